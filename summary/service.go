package summary

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/errs"
	"fieldcheck/names"
	"fieldcheck/photos"
	"fieldcheck/rectifications"
	"fieldcheck/store"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// MaxPictures bounds the photos one PDF carries (thumbnails, 320 px).
const MaxPictures = 60

var errNotInspection = errs.New(errs.Invalid, "not_an_inspection",
	"只有网点巡检和入户抽查有检查汇总反馈表", "only walkthroughs and spot checks have an inspection summary")

// Service makes summaries for callers entitled to the submission.
type Service struct {
	db     *store.DB
	photos *photos.Service
	now    store.Clock
	// busy bounds renders at once: each parses the 4.6 MB font (~37 MB of
	// allocations, ~0.1 s of CPU; go test ./summary -bench Render).
	busy chan struct{}
}

// Renders is how many summaries are made at once; others wait their turn.
const Renders = 2

var errBusy = errs.New(errs.RateLimited, "busy", "正在生成其他汇总表，请稍后再试", "other summaries are being made; try again shortly")

// NewService makes the summary service.
func NewService(db *store.DB, ph *photos.Service, now store.Clock) *Service {
	return &Service{db: db, photos: ph, now: now, busy: make(chan struct{}, Renders)}
}

type picRef struct{ caption, sha string }

// PDF writes the summary of submission id (its latest version) for by, who
// must be entitled to read it (sync.Get: 404 otherwise).
func (s *Service) PDF(ctx context.Context, by auth.Principal, id string, w io.Writer) error {
	now := s.now()
	r := Report{Generated: now}
	var pics, sigs []picRef
	err := s.db.View(func(tx *bolt.Tx) error {
		v, err := submissions.Get(tx, by, id, 0, now)
		if err != nil {
			return err
		}
		if v.Kind != checklists.KindWalkthrough && v.Kind != checklists.KindSpotcheck {
			return errNotInspection
		}
		tpl, err := checklists.Get(tx, v.TemplateID, v.TemplateVersion)
		if err != nil {
			return err
		}
		book, err := names.ForExport(tx)
		if err != nil {
			return err
		}
		r.Title, r.Version, r.Inspector = tpl.Title.Zh, v.Version, book.Person(v.Author)
		r.FinishedAt = v.ReceivedAt
		if v.FinishedAt != nil {
			r.FinishedAt = *v.FinishedAt
		}
		r.Score, r.MaxScore, r.Percent, r.Passed, r.Fines = v.Score, v.MaxScore, v.Percent, v.Passed, v.Fines
		if v.Grade != nil {
			r.Grade = *v.Grade
			for _, b := range tpl.Grading {
				if b.ID == *v.Grade && b.Label.Zh != "" {
					r.Grade = b.Label.Zh
				}
			}
		}
		if v.Kind == checklists.KindWalkthrough {
			r.KindLabel = "网点巡检"
			o, err := workorders.GetOutlet(tx, v.Subject.StoreID)
			if err != nil {
				return err
			}
			r.Subject, r.Unit, r.Address = o.Name, book.Unit(o.Unit), o.Address
		} else {
			r.KindLabel = "入户服务抽查"
			wo, err := workorders.Get(tx, v.Subject.WorkOrderID)
			if err != nil {
				return err
			}
			r.Subject, r.Unit = "装维人员 "+book.Person(wo.Technician), book.Unit(wo.Unit)
		}
		if v.RectificationID != "" {
			rc, err := rectifications.Get(tx, v.RectificationID)
			if err != nil {
				return err
			}
			r.RectifyBy = rc.DueAt
		}
		r.Rows, pics, sigs = rows(tpl, v)
		return nil
	})
	if err != nil {
		return err
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case s.busy <- struct{}{}:
		defer func() { <-s.busy }()
	case <-wait.Done():
		return errBusy
	}
	r.Photos = s.load(ctx, pics, MaxPictures)
	r.Signatures = s.load(ctx, sigs, 6)
	return Render(w, r)
}

// load reads the thumbnail of each picture the server holds; a missing or
// unreadable one is left out (the sheet may still wait for it).
func (s *Service) load(ctx context.Context, refs []picRef, limit int) []Picture {
	var out []Picture
	for _, p := range refs {
		if len(out) >= limit {
			break
		}
		o, n, ct, err := s.photos.Open(ctx, p.sha, photos.SizeThumb)
		if err != nil {
			continue
		}
		b := make([]byte, n)
		_, err = o.ReadAt(b, 0)
		o.Close()
		if err != nil && int64(len(b)) != n {
			continue
		}
		typ := "JPEG"
		if ct == "image/png" {
			typ = "PNG"
		}
		out = append(out, Picture{Caption: p.caption, Data: b, Type: typ})
	}
	return out
}

// rows turns the template and answers into table rows, with the figures of
// the stored score result, and lists the photos and signatures.
func rows(tpl *checklists.Template, v *submissions.View) (out []Row, pics, sigs []picRef) {
	ded := map[string]checklists.Deduction{}
	for _, d := range v.Deductions {
		ded[d.ItemID] = d
	}
	failed := map[string]bool{}
	for _, id := range v.FailedCritical {
		failed[id] = true
	}
	for _, sec := range tpl.Sections {
		out = append(out, Row{Section: true, Label: sec.Title.Zh})
		for _, it := range sec.Items {
			if it.Type == checklists.TypePhoto && len(v.Photos[it.ID]) == 0 {
				continue // no photo taken: nothing to say
			}
			row := Row{Label: it.Label.Zh, Answer: answer(it, v.Answers[it.ID]), Critical: failed[it.ID]}
			if n := len(v.Photos[it.ID]); n > 0 {
				row.Answer = fmt.Sprintf("%d 张照片（见下）", n)
			}
			if d, ok := ded[it.ID]; ok {
				row.Points, row.Fine = d.Points, d.Fine
				row.Max = strconv.FormatFloat(d.Max, 'f', -1, 64)
				if d.Excluded {
					row.Max = ""
				}
			}
			for i, sha := range v.Photos[it.ID] {
				pics = append(pics, picRef{caption: fmt.Sprintf("%s（%d）", it.Label.Zh, i+1), sha: sha})
			}
			if it.Type == checklists.TypeSignature {
				if sha := checklists.SignatureSHA(v.Answers[it.ID]); sha != "" {
					sigs = append(sigs, picRef{caption: it.Label.Zh, sha: sha})
				}
			}
			out = append(out, row)
		}
	}
	return out, pics, sigs
}

// answer says an answer in words, as the screen does.
func answer(it checklists.Item, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		switch it.Type {
		case checklists.TypePhoto:
			return "见照片"
		}
		return "—"
	}
	switch it.Type {
	case checklists.TypeCheck:
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			if b {
				return "是"
			}
			return "否"
		}
	case checklists.TypePassFail:
		var s string
		_ = json.Unmarshal(raw, &s)
		switch s {
		case "pass":
			return "合格"
		case "fail":
			return "不合格"
		case "na":
			return "不适用"
		}
	case checklists.TypeCount:
		var n float64
		if json.Unmarshal(raw, &n) == nil {
			if n == 0 {
				return "未发现问题"
			}
			return "发现 " + num(n) + " 处"
		}
	case checklists.TypeNumber:
		var n float64
		if json.Unmarshal(raw, &n) == nil {
			if it.Number != nil && it.Number.Unit != "" {
				return num(n) + " " + it.Number.Unit
			}
			return num(n)
		}
	case checklists.TypeRating:
		var n float64
		if json.Unmarshal(raw, &n) == nil {
			return num(n) + " / 5"
		}
	case checklists.TypeChoice:
		var s string
		_ = json.Unmarshal(raw, &s)
		for _, c := range it.Choices {
			if c.ID == s {
				return c.Label.Zh
			}
		}
		return s
	case checklists.TypeText:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case checklists.TypeSignature:
		return "已签字"
	case checklists.TypeSpeedtest:
		var sp checklists.Speedtest
		if json.Unmarshal(raw, &sp) == nil {
			return fmt.Sprintf("下行 %s / 上行 %s Mbps", num(sp.DownMbps), num(sp.UpMbps))
		}
	case checklists.TypePhoto:
		return "见照片"
	}
	return "—"
}
