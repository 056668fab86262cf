package protocol

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"fieldcheck/auth"
	"fieldcheck/checklists"
	"fieldcheck/workorders"

	bolt "go.etcd.io/bbolt"
)

// pages pulls from an empty cursor in pages of limit and returns, per page,
// the records it brought and where its cursor resumes ("stage/last", or
// "feed" once the snapshot handed over to the change feed).
func resumeAt(t *testing.T, cur string) string {
	t.Helper()
	c, err := parseCursor(cur)
	if err != nil {
		t.Fatalf("cursor %q: %v", cur, err)
	}
	if c.format == cursorFeed {
		return "feed"
	}
	return fmt.Sprintf("%d/%s", c.stage, c.last)
}

func pageLine(res *PullResponse) string {
	var ids []string
	for _, tpl := range res.Templates {
		ids = append(ids, "t:"+tpl.ID)
	}
	for _, o := range res.Stores {
		ids = append(ids, "s:"+o.ID)
	}
	for _, wo := range res.WorkOrders {
		ids = append(ids, "o:"+wo.ID)
	}
	for _, sub := range res.Submissions {
		ids = append(ids, fmt.Sprintf("a:%s@%s", sub.ID, sub.Subject.WorkOrderID))
	}
	return strings.Join(ids, " ")
}

// A first pull in pages resumes exactly where the last page stopped, also
// when the page ends on an order it skipped (cancelled, or finished too long
// ago) and when a stage ends exactly at a page boundary: every record comes
// once, in id order, and the cursors are the ones phones already hold (they
// are opaque but stored across app updates, so their bytes must not change).
func TestFirstPullResumesExactlyAcrossPageBoundaries(t *testing.T) {
	db := newDB(t)
	for i := 0; i < 7; i++ {
		newOrder(t, db, fmt.Sprintf("p%d", i), workorders.TypeRepair, "tech1")
	}
	update(t, db, func(tx *bolt.Tx) error {
		st := workorders.StatusCancelled
		if _, err := workorders.Patch(tx, "p2", workorders.Changes{Status: &st}, sysActor, t0); err != nil {
			return err
		}
		// p5 was finished ten days ago: no longer recent.
		_, err := workorders.CompleteWith(tx, "p5", workorders.Completion{At: t0.AddDate(0, 0, -10)}, sysActor)
		return err
	})
	for i := 3; i <= 6; i++ {
		update(t, db, func(tx *bolt.Tx) error {
			_, err := workorders.CreateOutlet(tx, workorders.Outlet{ID: fmt.Sprintf("s%d", i), Name: "营业厅", Unit: "chengdu-east"}, sysActor, t0)
			return err
		})
	}
	for _, tc := range []struct {
		who   auth.Principal
		limit int
		want  []string
	}{
		{tech1, 3, []string{
			"t:install_acceptance o:p0 o:p1 → 2/p1",
			"o:p3 o:p4 o:p6 → 2/p6",
			"o:wo1 o:wo2 → feed",
		}},
		{tech1, 2, []string{
			"t:install_acceptance o:p0 → 2/p0",
			"o:p1 o:p3 → 2/p3",
			"o:p4 o:p6 → 2/p6",
			"o:wo1 o:wo2 → feed",
		}},
		{insp1, 4, []string{
			"t:home_visit_spotcheck t:hotline_mystery_call t:store_mystery_visit t:store_walkthrough → 1/",
			"s:s1 s:s2 s:s3 s:s4 → 1/s4",
			"s:s5 s:s6 o:p0 o:p1 → 2/p1",
			"o:p3 o:p4 o:p6 o:wo1 → 2/wo1",
			"o:wo2 → feed",
		}},
	} {
		var got []string
		cur := ""
		for page := 0; ; page++ {
			if page > 20 {
				t.Fatalf("%s: paging does not end: %v", tc.who.Username, got)
			}
			res := pull(t, db, tc.who, cur, tc.limit)
			got = append(got, pageLine(res)+" → "+resumeAt(t, res.Cursor))
			if _, err := base64.RawURLEncoding.DecodeString(res.Cursor); err != nil {
				t.Fatal(err)
			}
			cur = res.Cursor
			if !res.More {
				break
			}
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s in pages of %d:\n%s\nwant\n%s", tc.who.Username, tc.limit, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// The technician's own sheets come last in a first pull, paged through the
// submissions' author index (submissions.ByAuthor) like the orders before
// them: each sheet once, in id order, a page ending exactly where the
// author's sheets end handing over to the feed.
func TestFirstPullPagesThroughTheAuthorsSheets(t *testing.T) {
	db := newDB(t)
	for _, id := range []string{"p0", "p1", "p2", "p3"} {
		newOrder(t, db, id, workorders.TypeRepair, "tech1")
		push(t, db, tech1, newSubmission(t, db, "a-"+id, "install_acceptance", checklists.Subject{WorkOrderID: id}, nil))
	}
	// Another technician's sheet is not tech1's to pull.
	newOrder(t, db, "q0", workorders.TypeRepair, "tech2")
	push(t, db, tech2, newSubmission(t, db, "b-q0", "install_acceptance", checklists.Subject{WorkOrderID: "q0"}, nil))
	var got []string
	cur := ""
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatalf("paging does not end: %v", got)
		}
		res := pull(t, db, tech1, cur, 3)
		got = append(got, pageLine(res)+" → "+resumeAt(t, res.Cursor))
		cur = res.Cursor
		if !res.More {
			break
		}
	}
	want := []string{
		"t:install_acceptance o:p0 o:p1 → 2/p1",
		"o:p2 o:p3 o:wo1 → 2/wo1",
		"o:wo2 a:a-p0@p0 a:a-p1@p1 → 3/a-p1",
		"a:a-p2@p2 a:a-p3@p3 → feed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pages of 3:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
