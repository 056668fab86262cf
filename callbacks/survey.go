package callbacks

import (
	"fmt"
	"time"

	"fieldcheck/errs"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// Survey is what the public survey page may show: nothing about the customer
// beyond the job, since anyone holding the link sees it.
type Survey struct {
	Job        string    `json:"job"` // 装机, 移机, … (zh)
	FinishedAt time.Time `json:"finished_at"`
	Reasons    []string  `json:"reasons"`
}

// surveyTask finds the task behind a token and says whether it may still be
// answered: unknown → 404, answered (or closed) → 409, dead (went manual,
// past its wait or deadline) → 410. Answered is checked first, so a second
// answer is a 409 even after the task went manual.
func (s *Service) surveyTask(tx *bolt.Tx, token string, now time.Time) (*Task, error) {
	id := tx.Bucket(store.BucketSurveyTokens).Get([]byte(token))
	if id == nil {
		return nil, ErrSurveyNotFound
	}
	t, err := loadTask(tx, string(id))
	if err != nil {
		return nil, err
	}
	if t.Survey != nil || t.Status == StatusDone {
		return nil, ErrSurveyAnswered
	}
	t.advance(now, s.cfg.SMSWait)
	if t.Channel != ChannelSMS || t.Status != StatusPending {
		return nil, ErrSurveyGone
	}
	return t, nil
}

// SurveyByToken checks a survey link for the page.
func (s *Service) SurveyByToken(token string) (*Survey, error) {
	var out *Survey
	err := s.db.View(func(tx *bolt.Tx) error {
		t, err := s.surveyTask(tx, token, s.now())
		if err != nil {
			return err
		}
		job := typeZh[t.OrderType]
		if job == "" {
			job = "服务"
		}
		out = &Survey{Job: job, FinishedAt: t.FinishedAt, Reasons: s.Reasons()}
		return nil
	})
	return out, err
}

// CheckSurvey answers whether a token may still be answered (nil), without
// reading anything else — the server calls it before it reads a POST body.
func (s *Service) CheckSurvey(token string) error {
	return s.db.View(func(tx *bolt.Tx) error {
		_, err := s.surveyTask(tx, token, s.now())
		return err
	})
}

// AnswerSurvey records the customer's one-tap answer. Satisfied and very
// satisfied close the task (channel sms); 不满意 sends it to the manual queue
// for an agent to hear the reason (seed 004 第五十二条), so it is not done yet.
func (s *Service) AnswerSurvey(token, satisfaction string, reasons []string) error {
	return s.AnswerSurveyFrom(token, satisfaction, reasons, "")
}

// AnswerSurveyFrom is AnswerSurvey with the customer's device (the server
// passes User-Agent and IP) for the audit log: the customer has no account,
// so the device is all that says where an answer came from.
func (s *Service) AnswerSurveyFrom(token, satisfaction string, reasons []string, device string) error {
	reasons, err := surveyAnswer(satisfaction, reasons)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		t, err := s.surveyTask(tx, token, now)
		if err != nil {
			return err
		}
		stored, err := loadTask(tx, t.ID) // as stored, so save moves the right index entry
		if err != nil {
			return err
		}
		t.Survey = &SurveyReply{Satisfaction: satisfaction, Reasons: reasons, At: now}
		if satisfaction == Unsatisfied {
			t.Channel, t.ManualReason = ChannelManual, ManualSMSUnsatisfied
		} else {
			closeTask(t, now, &Result{Satisfaction: satisfaction, Reasons: reasons, Channel: ChannelSMS,
				By: "customer", At: now})
		}
		if err := save(tx, stored, t); err != nil {
			return err
		}
		return store.Audit(tx, now, store.Actor{Username: "customer", Unit: t.Unit, Device: device}, "callback.survey", "callback/"+t.ID,
			fmt.Sprintf("%s %v", satisfaction, reasons))
	})
}

// ValidateSurveyAnswer checks a survey answer as AnswerSurvey does, without
// a store: a satisfaction level, and reasons of bounded number and length.
func ValidateSurveyAnswer(satisfaction string, reasons []string) error {
	_, err := surveyAnswer(satisfaction, reasons)
	return err
}

func surveyAnswer(satisfaction string, reasons []string) ([]string, error) {
	var v errs.Validation
	if !validSatisfaction(satisfaction) {
		v.Add("satisfaction", "请选择满意度", "choose very_satisfied, satisfied or unsatisfied")
	}
	// The customer's reasons are welcome but optional: the agent asks anyway.
	reasons = cleanReasons(&v, "", reasons)
	return reasons, v.Err()
}
