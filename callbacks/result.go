package callbacks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fieldcheck/errs"
	"fieldcheck/rectifications"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

const (
	maxNote    = 2000 // characters in a note
	maxReason  = 200  // characters in one reason
	maxReasons = 20
	// RectificationDays: the responsible unit reports its corrective measures
	// within half a month (seed 004 第八十一条).
	RectificationDays = 15
)

// ResultInput is what an agent records when the customer answered.
type ResultInput struct {
	Satisfaction    string          `json:"satisfaction"`
	Reasons         []string        `json:"reasons"`
	Score           *int            `json:"score_0_5"`
	TemplateID      string          `json:"template_id"`
	TemplateVersion int             `json:"template_version"`
	Answers         json.RawMessage `json:"answers"`
	Note            string          `json:"note"`
}

// validSatisfaction reports whether s is one of the three levels.
func validSatisfaction(s string) bool {
	return s == VerySatisfied || s == Satisfied || s == Unsatisfied
}

// cleanReasons trims, drops empties and duplicates, and checks lengths; for
// 不满意 at least one reason is required (seed 004 第五十四条: 问清具体原因如实记录).
func cleanReasons(v *errs.Validation, satisfaction string, in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for i, r := range in {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		if utf8.RuneCountInString(r) > maxReason || strings.ContainsAny(r, "\x00\r\n") {
			v.Add(fmt.Sprintf("reasons[%d]", i), fmt.Sprintf("原因不能超过 %d 个字，且不能换行", maxReason),
				fmt.Sprintf("a reason is at most %d characters on one line", maxReason))
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	if len(out) > maxReasons {
		v.Add("reasons", fmt.Sprintf("最多 %d 个原因", maxReasons), fmt.Sprintf("at most %d reasons", maxReasons))
	}
	if satisfaction == Unsatisfied && len(out) == 0 && !v.Has("reasons") {
		v.Add("reasons", "客户不满意时须记录具体原因", "an unsatisfied customer's reasons must be recorded")
	}
	return out
}

func checkText(v *errs.Validation, path, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(path, fmt.Sprintf("不能超过 %d 个字", max), fmt.Sprintf("at most %d characters", max))
	}
}

func (in *ResultInput) validate() ([]string, error) {
	var v errs.Validation
	if !validSatisfaction(in.Satisfaction) {
		v.Add("satisfaction", "满意度须为 very_satisfied、satisfied 或 unsatisfied",
			"satisfaction must be very_satisfied, satisfied or unsatisfied")
	}
	reasons := cleanReasons(&v, in.Satisfaction, in.Reasons)
	if in.Score != nil && (*in.Score < 0 || *in.Score > 5) {
		v.Add("score_0_5", "评分须在 0 到 5 之间", "score_0_5 must be 0 to 5")
	}
	if in.TemplateVersion < 0 {
		v.Add("template_version", "模板版本须 ≥ 0", "template_version must be ≥ 0")
	}
	if len(in.Answers) > 0 {
		var m map[string]any
		if json.Unmarshal(in.Answers, &m) != nil {
			v.Add("answers", "answers 须为对象", "answers must be an object")
		} else if len(in.Answers) > 64<<10 {
			v.Add("answers", "answers 过大", "answers is too large")
		}
	}
	checkText(&v, "note", in.Note, maxNote)
	checkText(&v, "template_id", in.TemplateID, 200)
	return reasons, v.Err()
}

// Result closes a task with the customer's answer. No attempt need come
// first; a second result is a conflict. 不满意 opens a rectification (整改)
// for the technician's unit, due in 15 days.
func (s *Service) Result(who store.Actor, sc Scope, id string, in ResultInput) (*Task, error) {
	reasons, err := in.validate()
	if err != nil {
		return nil, err
	}
	return s.act(id, who, sc, true, resultFn(who, in, reasons))
}

// ResultTx is Result inside the caller's write transaction, for bulk
// loaders that close thousands of tasks in one commit (fieldload
// province-gen); the same checks and writes as Result.
func (s *Service) ResultTx(tx *bolt.Tx, who store.Actor, sc Scope, id string, in ResultInput) (*Task, error) {
	reasons, err := in.validate()
	if err != nil {
		return nil, err
	}
	return s.actTx(tx, id, who, sc, true, resultFn(who, in, reasons))
}

func resultFn(who store.Actor, in ResultInput, reasons []string) func(tx *bolt.Tx, t *Task, now time.Time) error {
	return func(tx *bolt.Tx, t *Task, now time.Time) error {
		if t.Status == StatusPending && t.Channel == ChannelSMS {
			// An agent got there before the SMS answer: the link dies now.
			t.Channel = ChannelManual
		}
		closeTask(t, now, &Result{
			Satisfaction: in.Satisfaction, Reasons: reasons, Score: in.Score,
			TemplateID: in.TemplateID, TemplateVersion: in.TemplateVersion, Answers: in.Answers,
			Note: in.Note, Channel: ChannelManual, By: who.Username, At: now,
		})
		if in.Satisfaction == Unsatisfied {
			r, err := rectifications.Open(tx, rectifications.Rectification{
				Unit: t.Unit, Technician: t.Technician, Source: rectifications.SourceCallback,
				SubjectRef: "callback/" + t.ID, WorkOrderID: t.WorkOrderID,
				Reason: strings.Join(reasons, "；"), OpenedAt: now,
				DueAt: now.AddDate(0, 0, RectificationDays),
			}.By(who))
			if err != nil {
				return err
			}
			t.RectificationID = r.ID
		}
		return store.Audit(tx, now, who, "callback.result", "callback/"+t.ID, in.Satisfaction)
	}
}

func closeTask(t *Task, now time.Time, r *Result) {
	t.Result = r
	t.Status, t.LeaseHolder, t.LeaseUntil, t.NextAttemptAt, t.ClosedAt = StatusDone, "", nil, nil, &now
}
