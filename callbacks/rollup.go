package callbacks

import "fieldcheck/rollups"

// RollupOf is what task t counts in the report rollups (rollups/): its unit
// and technician as stored (the ones it was finished under), its finish day,
// and its result. save puts it in every transaction that writes a task.
func RollupOf(t *Task) *rollups.Task {
	r := &rollups.Task{Unit: t.Unit, Technician: t.Technician, FinishedAt: t.FinishedAt,
		DueAt: t.DueAt, DeadlineAt: t.DeadlineAt, Unreachable: t.Status == StatusUnreachable}
	if t.Result != nil {
		r.Result = &rollups.TaskResult{At: t.Result.At, Satisfaction: t.Result.Satisfaction, Reasons: t.Result.Reasons}
	}
	return r
}
