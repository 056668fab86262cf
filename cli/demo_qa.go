package cli

import (
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/qa"
	"fieldcheck/store"

	bolt "go.etcd.io/bbolt"
)

// The demo's QA reviewer (品质保障员): a week of reviews of the agent's calls
// before today, in the month's 2:7:1 mix, so her day, the agent's "my
// reviews" and the reports have something to show. Today's queue is left to
// draw on first sight.
const (
	demoQAUser    = "qa.zheng"
	demoQAMetaKey = "demo_qa"
	demoQAPerDay  = 4
)

// demoQAModes cycles 即席 ×2, 远程 ×7, 录音 ×1.
var demoQAModes = []string{qa.ModeOnsite, qa.ModeRemote, qa.ModeRemote, qa.ModeRemote, qa.ModeRecording,
	qa.ModeRemote, qa.ModeOnsite, qa.ModeRemote, qa.ModeRemote, qa.ModeRemote}

// demoQAFindings: what a review found, in turn (no finding, or items lost
// with the notes the agent reads).
var demoQAFindings = []struct {
	fail []string
	note string
}{
	{nil, ""},
	{[]string{"greeting"}, "开场白不完整：请先问候并说明“我是电信客服，对您的装机服务做个回访”。"},
	{nil, ""},
	{[]string{"script"}, "漏问“师傅是否穿鞋套、使用垫布”，请按回访话术逐项询问。"},
	{[]string{"listening", "clarity"}, "客户说明情况时多次打断，语速偏快；请耐心听完再回应。"},
	{nil, ""},
	{[]string{"closing_words"}, "结束时未确认客户是否还有其他需求，请待客户挂机后再挂机。"},
}

func loadDemoQA(db *store.DB, now time.Time) error {
	var done bool
	if err := db.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(store.BucketMeta).Get([]byte(demoQAMetaKey)) != nil
		return nil
	}); err != nil || done {
		return err
	}
	var clock time.Time
	tick := func() time.Time { return clock }
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cb := callbacks.New(db, callbacks.Config{Clock: tick, Logger: quiet})
	svc := qa.New(db, cb, qa.Config{Clock: tick})
	reviewer := auth.Principal{Username: demoQAUser, Role: auth.RoleQA, Device: "demo-qa-desk"}
	today := store.DayStart(now)
	tasks, _, err := cb.List(callbacks.Everywhere, callbacks.Filter{From: today.AddDate(0, 0, -8), To: today}, 5000, "")
	if err != nil {
		return err
	}
	n, used := 0, map[string]bool{}
	for d := 7; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		picked := 0
		for i := range tasks {
			t := &tasks[i]
			call, ok := qa.CallOf(t)
			if !ok || picked == demoQAPerDay || used[t.ID] || (t.Status != callbacks.StatusDone && t.Status != callbacks.StatusUnreachable) {
				continue
			}
			// Calls made the day before or that morning, heard from the recording or live.
			called := store.DayStart(call.CalledAt)
			if !called.Equal(day) && !called.Equal(day.AddDate(0, 0, -1)) {
				continue
			}
			clock = day.Add(14*time.Hour + time.Duration(picked)*37*time.Minute)
			if call.CalledAt.After(clock) {
				continue
			}
			f := demoQAFindings[n%len(demoQAFindings)]
			answers := map[string]json.RawMessage{}
			for _, id := range []string{"greeting", "confirm", "attitude", "clarity", "listening", "script", "accuracy", "complaint", "closing_words"} {
				answers[id] = json.RawMessage(`"pass"`)
			}
			if call.Outcome != callbacks.Unsatisfied {
				answers["complaint"] = json.RawMessage(`"na"`)
			}
			for _, id := range f.fail {
				answers[id] = json.RawMessage(`"fail"`)
			}
			if _, err := svc.Create(reviewer, qa.Input{TaskID: t.ID, Mode: demoQAModes[n%len(demoQAModes)], Answers: answers, Improvement: f.note}); err != nil {
				return err
			}
			used[t.ID] = true
			picked++
			n++
		}
	}
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(store.BucketMeta).Put([]byte(demoQAMetaKey), []byte("1"))
	})
}
