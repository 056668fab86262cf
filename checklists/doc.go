// Package checklists owns the checklist templates (检查表模板) and the rules
// that judge a filled-in checklist against one:
//
//   - the model (model.go) and the definition validator ValidateTemplate
//     (template.go), which names every problem by path;
//   - versioned storage (store.go): Put writes version N+1 and publishes it
//     to every sync feed, Get reads any version, List the latest of each;
//   - the built-in templates, rendered from the seeds as embedded JSON data
//     (builtin/*.json, builtin.go), stored on first start by EnsureBuiltins
//     and stored again as a new version when a later build changes them;
//   - form logic (conditions.go): a section's or item's "when", judged on the
//     subject's Facts and earlier answers by Visible; hidden items are
//     neither required (Validate) nor scored (Score), the phone's conds.js
//     runs the same rules against the same table (testdata/conditions.json);
//   - the one submission validator Validate (validate.go) and the one scorer
//     Score (score.go) implementing API.md "Templates (checklists)": points,
//     per-instance caps, fines and fine caps (seed 002), grade bands
//     (seed 001), critical items and the speed test (seed 004).
//
// It knows nothing of HTTP, users or roles, and it does not store
// submissions (sync does); it never writes outside store.BucketTemplates
// except the feed and audit entries Put records.
package checklists
