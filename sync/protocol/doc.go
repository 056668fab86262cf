// Package protocol is the thin sync protocol between the phones and the
// server (POST /sync/push, GET /sync/pull): the push envelope (PushRequest,
// PushResponse), handed whole to the submissions domain (submissions.Merge),
// and the pull — opaque cursors over the store's change feed (store/feed.go)
// and the first-sync snapshot, loading each changed record from its owner
// (workorders, checklists, submissions.LoadHead, schedules, names) at pull
// time.
//
// It owns no bucket and writes nothing. It lives under sync/ (the project's
// layout names that directory) with a name that does not shadow the
// standard library's sync, as does the domain beside it, sync/submissions.
package protocol
