// Package schedules owns inspection plans (巡检计划): which store or unit is
// inspected with which template, how often (weekly, monthly, quarterly or
// every N days) and by whom (one inspector or a pool), from a start date —
// seed 004 第八十条: the 地市 branch at least quarterly, the 装维中心 monthly.
//
// A plan is a list of versions, each in force from its date until the next
// one's: an edit appends a version from today and never touches an earlier
// one, so the windows of the past (and their outcomes) stay as they were.
// Windows are worked out on the Asia/Shanghai calendar from the versions,
// never stored; what is stored is the visits: a walkthrough or spot check
// that matched a plan on the day it was finished (sync calls Visited in the
// commit that accepts the sheet). A window with a visit in it is done, one
// that ended without any is missed, the one today falls in is due.
//
// It owns BucketSchedulePlans, BucketScheduleVisits and its two indexes,
// and reads stores (workorders), templates (checklists) and users (auth)
// only through their packages.
package schedules
