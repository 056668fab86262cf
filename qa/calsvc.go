package qa

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Calibration sessions: at most this many calls and reviewers.
const (
	maxCalCalls     = 20
	maxCalReviewers = 30
)

// CreateCalibration opens a session: the calls must be calls in the
// creator's scope, the reviewers QA reviewers or supervisors (高级主管 also
// monitor calls).
func (s *Service) CreateCalibration(p auth.Principal, in CalInput) (*Calibration, error) {
	var v errs.Validation
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 100 {
		v.Add("title", "须填写 1–100 字的名称", "title must be 1–100 characters")
	}
	tol := DefaultTolerance
	if in.Tolerance != nil {
		tol = *in.Tolerance
		if !(tol > 0 && tol <= 50) {
			v.Add("tolerance", "允许偏差须大于 0 且不超过 50 分", "tolerance must be more than 0 and at most 50 points")
		}
	}
	in.TaskIDs = dedupe(in.TaskIDs)
	in.Reviewers = dedupe(in.Reviewers)
	if len(in.TaskIDs) == 0 || len(in.TaskIDs) > maxCalCalls {
		v.Add("task_ids", "须选 1–20 通电话", "choose 1–20 calls")
	}
	if len(in.Reviewers) < 2 || len(in.Reviewers) > maxCalReviewers {
		v.Add("reviewers", "须有 2–30 名监听人员", "choose 2–30 reviewers")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for i, id := range in.TaskIDs {
		if _, err := s.Call(p, id); err != nil {
			if e, ok := errs.As(err); ok && (e.Kind == errs.NotFound || e.Code == "not_a_call") {
				v.Add(fmt.Sprintf("task_ids[%d]", i), "找不到这通电话", "no such call")
				continue
			}
			return nil, err
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var c *Calibration
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, u := range in.Reviewers {
			usr, err := auth.GetUser(tx, u)
			if err != nil || usr.Disabled || (usr.Role != auth.RoleQA && usr.Role != auth.RoleSupervisor) {
				v.Add(fmt.Sprintf("reviewers[%d]", i), "须为在岗的品质保障员或主管", "must be an enabled QA reviewer or supervisor")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		b := tx.Bucket(store.BucketQACalibrations)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		now := s.now()
		c = &Calibration{ID: fmt.Sprintf("cal-%010d", seq), Title: in.Title, TaskIDs: in.TaskIDs, Reviewers: in.Reviewers,
			Tolerance: tol, CreatedBy: p.Username, CreatedAt: now, Scores: map[string]map[string]CalScore{}}
		if err := store.PutJSON(tx, store.BucketQACalibrations, []byte(c.ID), c); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, "qa.calibration",
			"qa_calibration/"+c.ID, fmt.Sprintf("%d calls, %d reviewers", len(c.TaskIDs), len(c.Reviewers)))
	})
	if err != nil {
		return nil, err
	}
	c.Outcome = Evaluate(c)
	return c, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] && len(s) <= 64 {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// GetCalibration returns a session with its outcome.
func (s *Service) GetCalibration(p auth.Principal, id string) (*Calibration, error) {
	var c Calibration
	err := s.db.View(func(tx *bolt.Tx) error {
		return store.GetJSON(tx, store.BucketQACalibrations, []byte(id), &c)
	})
	if err == store.ErrNotFound {
		return nil, errs.NotFoundf("calibration", id)
	}
	if err != nil {
		return nil, err
	}
	c.Outcome = Evaluate(&c)
	return &c, nil
}

// Calibrations lists the sessions, newest first.
func (s *Service) Calibrations(p auth.Principal) ([]Calibration, error) {
	out := []Calibration{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketQACalibrations).ForEach(func(k, v []byte) error {
			var c Calibration
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			c.Outcome = Evaluate(&c)
			out = append(out, c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, err
}

var errAlreadyScored = errs.New(errs.Conflict, "already_scored", "您已为这通电话打过分", "you have already scored this call in this session")

// ScoreCalibration records p's sheet of one call of the session. Each
// reviewer scores each call once, blind to the others (the totals show only
// in the outcome).
func (s *Service) ScoreCalibration(p auth.Principal, id string, in CalScoreInput) (*Calibration, error) {
	var c Calibration
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := store.GetJSON(tx, store.BucketQACalibrations, []byte(id), &c); err != nil {
			if err == store.ErrNotFound {
				return errs.NotFoundf("calibration", id)
			}
			return err
		}
		if !contains(c.Reviewers, p.Username) {
			return errs.New(errs.Forbidden, "not_in_session", "您不在本次校准名单中", "you are not a reviewer of this session")
		}
		if !contains(c.TaskIDs, in.TaskID) {
			return badField("task_id", "这通电话不在本次校准中", "this call is not part of the session")
		}
		if _, ok := c.Scores[p.Username][in.TaskID]; ok {
			return errAlreadyScored
		}
		_, res, err := scoreSheet(tx, DefaultTemplate, in.Answers, "")
		if err != nil {
			return err
		}
		pct := 0.0
		if res.Percent != nil {
			pct = *res.Percent
		}
		now := s.now()
		if c.Scores == nil {
			c.Scores = map[string]map[string]CalScore{}
		}
		if c.Scores[p.Username] == nil {
			c.Scores[p.Username] = map[string]CalScore{}
		}
		c.Scores[p.Username][in.TaskID] = CalScore{Percent: pct, At: now}
		if err := store.PutJSON(tx, store.BucketQACalibrations, []byte(c.ID), &c); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: p.Username, Unit: p.Unit, Device: p.Device}, "qa.calibration.score",
			"qa_calibration/"+c.ID, fmt.Sprintf("task %s total %.2f", in.TaskID, pct))
	})
	if err != nil {
		return nil, err
	}
	c.Outcome = Evaluate(&c)
	return &c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Reviewer is someone who may take part in a calibration session.
type Reviewer struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
}

// Reviewers lists the enabled QA reviewers and supervisors (who may sit a
// calibration), so a screen can offer them by name.
func (s *Service) Reviewers() ([]Reviewer, error) {
	out := []Reviewer{}
	err := s.db.View(func(tx *bolt.Tx) error {
		after := ""
		for {
			users, next, err := auth.ListUsers(tx, auth.Principal{Role: auth.RoleAdmin}, 500, after)
			if err != nil {
				return err
			}
			for _, u := range users {
				if !u.Disabled && (u.Role == auth.RoleQA || u.Role == auth.RoleSupervisor) {
					out = append(out, Reviewer{Username: u.Username, Name: u.Name, Role: u.Role})
				}
			}
			if next == "" {
				return nil
			}
			after = next
		}
	})
	return out, err
}
