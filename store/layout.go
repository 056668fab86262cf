package store

// The on-disk layout. Every bucket is created on open. Keys are built so the
// queries the product needs are cursor seeks: big-endian numbers, fixed-width
// times (Unix nanoseconds, big-endian) and 0x00-separated composites.
var (
	// Meta: "schema" → version; "bootstrapped" → set once the first admin
	// exists; "jwt_key_rotated" → when the upgrade moved the signing key out
	// of this file (auth/keys.go: it lives in signing-keys.json beside it, so
	// backups never hold it); "jwt_key" was that key before, and is deleted.
	BucketMeta = []byte("meta")

	// Users: username → auth.User. Usernames are the stable user ids.
	BucketUsers = []byte("users")
	// UserIndex (written by auth with every user write): 'n' username →
	// display name; 'a' role 0x00 unit 0x00 username → nil for each enabled
	// user. Reports name technicians and the agents' counters find the
	// units without an agent from it, a key read each instead of decoding
	// every user. Built on open when Meta "users_index" is absent.
	BucketUserIndex = []byte("users_index")
	// RefreshTokens: sha256(token) → auth.RefreshToken.
	BucketRefreshTokens = []byte("refresh_tokens")
	// TokenFamilies: family id → auth.Family (one per login on a device).
	BucketTokenFamilies = []byte("token_families")
	// UserFamilies: username 0x00 family id → nil; lets a password change or a
	// disable revoke every session of one user without a scan.
	BucketUserFamilies = []byte("user_families")

	// Outlets (营业网点, "stores" in the API): store id → workorders.Outlet.
	BucketOutlets = []byte("outlets")

	// WorkOrders: order id → workorders.WorkOrder.
	BucketWorkOrders = []byte("workorders")
	// WorkOrdersByTech: technician 0x00 order id → nil.
	BucketWorkOrdersByTech = []byte("workorders_by_tech")
	// WorkOrdersByUnit: unit 0x00 order id → nil.
	BucketWorkOrdersByUnit = []byte("workorders_by_unit")

	// WorkOrdersByTime: scope 0x00 list time(8) 0x00 order id → nil, and
	// WorkOrdersByStatus: scope 0x00 status 0x00 list time(8) 0x00 order id →
	// nil, scope "*", "u:"unit or "t:"technician, list time the appointment
	// start or else the creation time: the list's filters page through them
	// (workorders/index.go). Built on start when Meta "workorders_index" is
	// absent.
	BucketWorkOrdersByTime   = []byte("workorders_by_time")
	BucketWorkOrdersByStatus = []byte("workorders_by_status")
	// WorkOrdersByType: scope 0x00 type 0x00 list time(8) 0x00 order id → nil,
	// the type filter's index (workorders/typeindex.go); built on start when
	// Meta "workorders_type_index" is absent.
	BucketWorkOrdersByType = []byte("workorders_by_type")

	// Templates: template id 0x00 version(u32 BE) → checklists.Template JSON.
	BucketTemplates = []byte("templates")

	// Submissions (owned by sync): submission id 0x00 version(u32 BE) →
	// submissions.Version, one record per accepted version, never rewritten: the
	// submission as pushed (finished_at skew-corrected, the original kept
	// beside it), author, device, receive time, content hash, score result
	// and the flags that version raised.
	BucketSubmissions = []byte("submissions")
	// SubmissionHeads (owned by sync/submissions): submission id → submissions.Head, the current
	// state: latest version, author, subject and its unit, kind, template,
	// the content hash of every version (replays are duplicates), flags and
	// flag_details, missing photos, complete, corrected finished_at, score.
	// The bucket's sequence orders submissions by creation (photo_reused).
	BucketSubmissionHeads = []byte("submission_heads")
	// SubmissionsBySubject: "wo:"order id | "store:"store id 0x00 submission
	// id → nil.
	BucketSubmissionsBySubject = []byte("submissions_by_subject")
	// SubmissionsByAuthor: username 0x00 submission id → nil.
	BucketSubmissionsByAuthor = []byte("submissions_by_author")
	// SubmissionsByTime: skew-corrected finished_at (time key) 0x00
	// submission id → nil; an edit that changes finished_at moves the entry.
	BucketSubmissionsByTime = []byte("submissions_by_time")

	// SubmissionsByFlag (owned by sync): scope 0x00 flag 0x00 finished_at
	// (time key) 0x00 submission id → nil for each flag a head carries, scope
	// "*", "u:"unit and "a:"author: the flagged sheets' list pages through it
	// (sync/flagindex.go). SubmissionFlagKeys: submission id → the entries it
	// has there, so a save knows what to take out. Built on the first flag
	// list when Meta "submissions_flag_index" is absent.
	BucketSubmissionsByFlag  = []byte("submissions_by_flag")
	BucketSubmissionFlagKeys = []byte("submission_flag_keys")

	// Photos (written by photos.Put, in the commit that runs
	// sync.PhotoArrived): sha256 hex → photos.Meta. The original lives in
	// data/photos/ab/cd/<sha>, fsynced before this key is written; renditions
	// in data/photo-renditions/ are remade on demand and not backed up.
	BucketPhotos = []byte("photos")
	// PhotoRefs (written by sync): sha256 hex 0x00 submission id → nil, for
	// every photo any version of the submission referenced (photos and
	// signatures); photo access and the photo_reused check read it.
	BucketPhotoRefs = []byte("photo_refs")
	// PhotoWaiting (schema ≤ 2 only; no longer created): sha256 hex 0x00
	// submission id → nil while the latest version of that submission
	// referenced a photo its author had not uploaded. Derived since from
	// PhotoRefs and the head's missing photos; the migration to schema 3
	// deletes it (sync/submissions.DropPhotoWaiting).
	BucketPhotoWaiting = []byte("photo_waiting")
	// PhotoPossession (written by photos): sha256 hex 0x00 username → nil
	// once that user has PUT those bytes (the first upload or a verified
	// re-upload of bytes already held). A sheet's photo is present, HEAD
	// answers 200, and GET is allowed through a sheet only by the author's
	// possession. Photos stored before v1.1 have no record here: their
	// possessor is photos.Meta.Uploader, derived at read time (no migration).
	BucketPhotoPossession = []byte("photo_possession")
	// PhotoHashBands (written by photos): band(1) value(2) 0x00 sha256 hex →
	// the full 64-bit dHash (8 bytes BE). Multi-index hashing: FindSimilar
	// probes each band's value and its one-bit neighbours (68 seeks) and checks
	// candidates from the value alone, so a near-copy lookup never scans.
	// Near-flat hashes are not indexed (they would match every dark photo).
	BucketPhotoHashBands = []byte("photo_hash_bands")

	// Callbacks: task id ("cb-" + 10-digit seq) → callbacks.Task.
	BucketCallbacks = []byte("callbacks")
	// CallbackQueue: one entry per open task, derived from its state
	// (callbacks/doc.go): 'q' class(1) due 0x00 id (the manual queue; class
	// 1 VIP/high-value, 2 standard; overdue = a head whose due has passed),
	// 'w' next_attempt_at 0x00 id (held back for a retry or call_later),
	// 's' created_at 0x00 id (waiting for the SMS answer), 'l' lease_until
	// 0x00 id (claimed). Times are time keys. Values are empty.
	BucketCallbackQueue = []byte("callback_queue")
	// CallbackQueueByUnit: unit 0x00 class(1) due 0x00 id → nil, the 'q'
	// entries again per unit, so an agent of one unit claims with two seeks
	// (callbacks/scope.go). Built for older data dirs on the first unit
	// claim; Meta "callbacks_unit_queue" says it is complete.
	BucketCallbackQueueByUnit = []byte("callback_queue_by_unit")
	// CallbacksByOrder: work order id → task id (exactly one callback a job).
	BucketCallbacksByOrder = []byte("callbacks_by_order")
	// CallbacksByTime: finished_at(time key) 0x00 task id → nil — the job's
	// finish time, the day reports count it on and list ranges filter by.
	BucketCallbacksByTime = []byte("callbacks_by_time")
	// CallbacksByStatus: scope 0x00 class 0x00 finished_at(time key) 0x00 task
	// id → nil, scope "*" or "u:"unit, class the stored status's ("open",
	// "done", "unreachable") or "all" (unit scope only): the callback list's
	// status and unit filters page through it (callbacks/statusindex.go).
	// Built on start when Meta "callbacks_status_index" is absent.
	BucketCallbacksByStatus = []byte("callbacks_by_status")
	// SubmissionsByUnit: unit 0x00 finished_at(time key) 0x00 submission id →
	// nil, a supervisor's list (sync/unitindex.go); built on the first
	// supervisor's list when Meta "submissions_unit_index" is absent.
	BucketSubmissionsByUnit = []byte("submissions_by_unit")
	// CallbackCounts: the queue counters of GET /callbacks/summary, moved in
	// the task's own transaction: per scope (every unit, one unit) and count,
	// step deltas per one-minute bucket, the step index that resolves the
	// minute holding now exactly, and tasks closed per day
	// (callbacks/counters.go has the keys). Built from the tasks on start
	// when Meta "callbacks_counts" is absent.
	BucketCallbackCounts = []byte("callback_counts")
	// SMSOutbox: 'm' seq(u64 BE) → callbacks.SMS (kept after sending);
	// 'p' next_try(time key) seq(u64 BE) → nil (still to send).
	BucketSMSOutbox = []byte("sms_outbox")
	// SurveyTokens: survey token (the random part of /s/<token>) → task id.
	BucketSurveyTokens = []byte("survey_tokens")

	// Rectifications (整改): id ("rc-" + 10-digit seq) → rectifications.Rectification.
	BucketRectifications = []byte("rectifications")

	// Names (owned by names): kind ("unit" | "product" | "role") 0x00 code →
	// names.Name, the display names (zh, en; a unit's parent unit) an admin
	// set. Built-in role and product names apply where no entry exists.
	BucketNames = []byte("names")

	// CallReviews (owned by qa): review id ("cr-" + 10-digit seq) → qa.Review,
	// one 《客户代表监听记录表》 of one callback call.
	BucketCallReviews = []byte("call_reviews")
	// CallReviewIndex (owned by qa): 'r' reviewer 0x00 task id → review id
	// (a reviewer reviews a call once); 'a' agent 0x00 time 0x00 review id
	// (an agent's own reviews); 't' time 0x00 review id (reports by day);
	// 'c' task id 0x00 review id (who reviewed a call); 'd' reviewer 0x00
	// task id → day (every call ever drawn into the reviewer's queue).
	BucketCallReviewIndex = []byte("call_review_index")
	// QAQueues (owned by qa): day (YYYY-MM-DD) 0x00 reviewer → qa.Queue, the
	// stored daily draw, so a reload shows the same queue.
	BucketQAQueues = []byte("qa_queues")
	// QACalibrations (owned by qa): session id ("cal-" + 10-digit seq) →
	// qa.Calibration (seed 001 §5 校准).
	BucketQACalibrations = []byte("qa_calibrations")
	// SchedulePlans (owned by schedules): plan id ("pl-" + 10-digit seq) →
	// schedules.Plan, its versions oldest first (an edit appends one).
	BucketSchedulePlans = []byte("schedule_plans")
	// ScheduleVisits (owned by schedules): plan id 0x00 day (YYYY-MM-DD,
	// Asia/Shanghai) 0x00 submission id → schedules.Visit, an inspection that
	// matched the plan on the day it was finished; windows are done by them.
	BucketScheduleVisits = []byte("schedule_visits")
	// SchedulesBySubject: "store:"id | "unit:"unit 0x00 plan id → nil.
	BucketSchedulesBySubject = []byte("schedules_by_subject")
	// SchedulesByInspector: username 0x00 plan id → nil, for the latest
	// version's inspectors (their pull lists the plan's due windows).
	BucketSchedulesByInspector = []byte("schedules_by_inspector")
	// Workdays (owned by workdays): year ("2026") → workdays.Calendar, the
	// holidays and worked weekend days an admin set; absent years use the
	// built-in calendar.
	BucketWorkdays = []byte("workdays")
	// BucketAudits holds enterprise service audits (audits/): id → JSON.
	BucketAudits = []byte("audits")
	// SLA (owned by sla): "rules" → []sla.Rule as an admin set them (absent:
	// the built-in rules); "since" → when this data dir got clocks (time
	// key; absent on data dirs that had clocks from the start).
	BucketSLA = []byte("sla")
	// Fines (owned by fines): fine id ("fn-" + 10-digit seq) → fines.Fine,
	// proposed by an event, then confirmed, adjusted or waived.
	BucketFines = []byte("fines")
	// FinesByMonth: booked month ("2026-11") 0x00 unit 0x00 fine id → nil;
	// a fine books into its event's month, or the next open one when that
	// month had closed (an adjustment).
	BucketFinesByMonth = []byte("fines_by_month")
	// FinesByOrder: order id 0x00 catalogue item → fine id: one fine per
	// order and item, so a replayed event proposes nothing twice.
	BucketFinesByOrder = []byte("fines_by_order")
	// Faults (owned by fines): customer phone 0x00 accepted_at (time key)
	// 0x00 order id → fines.fault, every repair order by customer, for the
	// 4th fault in a month (第二十八条) and a fault reopened soon after its
	// clearance (第二十三条). Repairs before the upgrade are not in it.
	BucketFaults = []byte("faults")
	// FineMonths: month ("2026-11") → fines.Month, written when the month
	// closes (第七条): who, when, and the frozen per-unit totals and score.
	BucketFineMonths = []byte("fine_months")

	// Feed: scope 0x00 seq(u64 BE) → Change. The sync cursor is a seq; a pull
	// seeks each of the caller's scopes to cursor+1.
	BucketFeed = []byte("feed")

	// Audit: time key 0x00 seq(u64 BE) → AuditEntry.
	BucketAudit = []byte("audit")
	// AuditBy: "a:"actor 0x00 audit key and "u:"unit 0x00 audit key → nil, the
	// audit log's filter index (audit.go); built on open when Meta
	// "audit_index" is absent.
	BucketAuditBy = []byte("audit_by")
)

var allBuckets = [][]byte{
	BucketMeta, BucketUsers, BucketUserIndex, BucketRefreshTokens, BucketTokenFamilies, BucketUserFamilies,
	BucketOutlets, BucketWorkOrders, BucketWorkOrdersByTech, BucketWorkOrdersByUnit,
	BucketTemplates, BucketSubmissions, BucketSubmissionHeads, BucketSubmissionsBySubject,
	BucketSubmissionsByAuthor, BucketSubmissionsByTime,
	BucketPhotos, BucketPhotoRefs, BucketPhotoHashBands,
	BucketPhotoPossession,
	BucketCallbacks, BucketCallbackQueue, BucketCallbacksByOrder, BucketCallbacksByTime,
	BucketSMSOutbox, BucketSurveyTokens, BucketRectifications,
	BucketFeed, BucketAudit,
	BucketNames,
	BucketCallbackQueueByUnit,
	BucketCallReviews, BucketCallReviewIndex, BucketQAQueues, BucketQACalibrations,
	BucketSchedulePlans, BucketScheduleVisits, BucketSchedulesBySubject, BucketSchedulesByInspector,
	BucketWorkdays, BucketSLA, BucketFines, BucketFinesByMonth, BucketFinesByOrder, BucketFineMonths, BucketFaults,
	BucketCallbackCounts,
	BucketWorkOrdersByTime, BucketWorkOrdersByStatus,
	BucketAuditBy,
	BucketSubmissionsByFlag, BucketSubmissionFlagKeys,
	BucketAudits,
	BucketWorkOrdersByType,
	BucketCallbacksByStatus,
	BucketSubmissionsByUnit,
}
