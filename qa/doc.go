// Package qa owns the monitoring of the agents' calls (服务品质监控, seed 001):
// the QA reviewer's (品质保障员) daily queue of callback calls to review, the
// reviews themselves (《客户代表监听记录表》, template kind call_review, with
// the improvement notes the agent reads — 《客户代表改进建议单》), the monthly
// mix of modes (即席 : 远程 : 录音 = 2 : 7 : 1), the daily, weekly and monthly
// reports, and calibration sessions (校准, seed 001 §5).
//
// It owns the buckets CallReviews, CallReviewIndex, QAQueues and
// QACalibrations (store/layout.go) and the audio files under
// <data>/qa-audio/. It reads callback tasks only through the callbacks
// Service (List, Get) and templates through checklists.Get; it never decodes
// their buckets. It knows nothing of HTTP.
//
// Scope: a reviewer reads the calls of their unit (no unit: every unit's)
// and writes only their own reviews; an agent reads only the reviews of their
// own calls; a supervisor reads their unit's; the admin everything.
package qa
