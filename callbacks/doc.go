// Package callbacks owns the 100% callback (客户回访, seed 004 第四章): one task
// per finished install, move, repair or complaint (never a removal), the SMS
// survey that ordinary customers get first, the manual queue agents claim
// from, and the SMS outbox. An unsatisfied result opens a rectification (整改,
// package rectifications) in the same transaction.
//
// It owns the buckets Callbacks, CallbackQueue, CallbacksByOrder,
// CallbacksByTime, SMSOutbox and SurveyTokens (store/layout.go describes the
// keys). It must not touch work orders or submissions: the sync
// package hands it the finished order through Kickoff, inside its own
// transaction.
// It knows nothing of HTTP.
//
// Every read and action takes a Scope (scope.go): an agent works their own
// unit's tasks, an agent with no unit every unit's, a supervisor reads their
// unit's, the admin everything. A task outside the caller's scope is not
// found. A task's unit is its order's, recorded by Kickoff.
//
// # Life of a task
//
// Kickoff: due at the end of the finish day, deadline at the end of the
// second day after it (Asia/Shanghai; 当天回访，最长三天内完成). VIP and
// high-value customers go to the manual queue; standard customers get an SMS
// with a one-tap survey link (/s/<token>). If the link is not answered
// within the SMS wait (Config.SMSWait, applied when the queue is read, so
// Kickoff needs no configuration) or by the deadline, it dies (410) and the
// task goes manual. An SMS "unsatisfied" also goes manual: an agent must hear
// the reason (第五十二条). Agents claim (15-minute lease), record attempts and a
// result; 不满意 opens a rectification for the technician's unit, due in 15 days.
//
// # The queue (BucketCallbackQueue)
//
// Each open task has exactly one entry, derived from its state alone, so a
// write deletes the old entry and puts the new one without knowing how the
// task changed (save):
//
//	'q' class(1) due(8) 0x00 id   ready in the manual queue; class 1 VIP/high-value, 2 standard
//	'w' next_attempt_at(8) 0x00 id held back: a retry after no answer, or call_later
//	's' created_at(8) 0x00 id      waiting for the SMS answer
//	'l' lease_until(8) 0x00 id     claimed by an agent
//
// Times are store.TimeKey (sortable big-endian nanoseconds).
//
// "Overdue first" depends on the clock, so it is not stored. Within a class
// the ready entries sort by due time, so the overdue tasks of a class are its
// head. Claim seeks the head of class 1 and of class 2 (two cursor seeks,
// whatever the queue length): if the standard head's due time has passed and
// is older than the priority head's, it is the most overdue task and goes
// first; otherwise the priority head goes (it is either overdue itself, or
// nothing is overdue and VIP/high-value comes before standard). Nothing ever
// needs re-keying when the clock crosses midnight.
//
// The other time-driven moves — an expired lease, a retry time that has come,
// an SMS whose wait is over — sit in the 'l', 'w' and 's' entries ordered by
// the time they change, so finding them is a seek from the start that stops
// at the first entry still in the future. Claim does that inside its own
// write transaction before it picks (so the queue is exact between sweeps);
// Run sweeps every minute and writes them back, so lists show current state
// and claims rarely find anything to move. Reads apply the same rules to the
// record they return (Task.advance), so a stored record that lags the clock
// is never shown as it was.
//
// Each claim is one bbolt write transaction: writers are serialised, so two
// agents can never lease the same task. An agent may hold several leases.
// Any call on a task leased to someone else is errs Conflict (409).
//
// # The SMS outbox (BucketSMSOutbox)
//
//	'm' seq(8)             → SMS (kept after sending, for supervisors)
//	'p' next_try(8) seq(8) → nil, what the sender still owes
//
// Kickoff queues the message in the same transaction as the task. Run drains
// 'p' through the Sender (an HTTP webhook when Config.WebhookURL is set),
// outside any transaction, with exponential backoff across restarts; without
// a sender the messages simply wait, visible through Outbox. A message whose
// task has left the SMS stage is cancelled instead of sent.
package callbacks
