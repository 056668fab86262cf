// Package reports computes the figures supervisors read — daily, weekly and
// monthly callback statistics (回访), inspection scores per outlet, per
// technician compliance, per agency fines — and writes any table as CSV or
// XLSX for download.
//
// It only reads. It walks the time indexes the owning packages keep
// (BucketCallbacksByTime for jobs by their finish time, BucketSubmissionsByTime
// for sheets by their skew-corrected finish time) with a cursor seek to the
// start of the range, so a report costs what falls in its range, not the
// size of the store. It decodes the records with the owners' exported types
// (callbacks.Task, submissions.Head, submissions.Version) and never writes any bucket.
//
// Days are Asia/Shanghai days (store.Shanghai). A job or a sheet counts on the
// day it was finished. Rates are fractions 0–1, rounded to four decimals, and
// null when their denominator is 0: "no jobs" is not "0 % covered".
//
// Exports (export.go) are shared with the audit log: CSV in UTF-8 with a BOM
// so Chinese Excel opens it, XLSX through excelize; every text cell that
// starts with = + - @ (or a tab or CR) is prefixed with ' so a spreadsheet
// never runs it as a formula, and phone numbers in text are masked
// (138****0001).
package reports
