// Package sla owns the time limits (时限) of work orders: the rules that set
// them by type, product, customer tier and kind (seed 004 第十五、二十一、
// 二十二、二十九条; a complaint's first contact within 2 hours), and the clock
// of each order — from accepted_at to completion, paused while the order is
// on_hold (缓装/待装), started at the upgrade for orders accepted before this
// data dir had clocks.
//
// Rules are data: the built-in set (rules.go) until an admin replaces it
// (BucketSLA "rules"). Working days come from workdays/. The package stamps
// an order's Clock on every write of the order (Stamp, run by the fines
// package's workorders observer), so the phone pulling the order gets its
// due time with it; it never writes orders itself except in its migration.
package sla
