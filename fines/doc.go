// Package fines owns the agency fines of seed 004 第三篇 (代理公司考核):
// the catalogue (catalogue.go; data, seeded with 第十三条–第二十九条, an admin
// may set monthly caps and ranges), the fines an event proposes with its
// evidence (an order finished past its time limit, a hold without a reason),
// the supervisor's review (confirm, adjust within the range, waive with a
// reason — each audited), the month's close (第七条: results confirmed by the
// 8th; a closed month is frozen and later arrivals book into the next open
// month as adjustments), the per-agency report with caps applied to
// confirmed fines, and the agency's monthly score (第五条).
//
// It owns BucketFines, BucketFinesByMonth, BucketFinesByOrder and
// BucketFineMonths. It sees order writes through a workorders.Observer
// (Install), where it also stamps the order's clock (sla.Stamp), and reads
// orders only through the workorders package.
//
// The walkthrough and spot-check fines (seed 002; 第十二条) stay in
// reports/fines.go; this package does not touch them.
package fines
