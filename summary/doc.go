// Package summary makes the 检查汇总反馈表 — the summary of one inspection
// (a store walkthrough or a home-visit spot check) handed to the inspected
// unit, who must report its corrective measures within half a month (seed
// 004 第八十一条) — as a PDF: the store or technician, the inspector, the
// score, grade, deductions and fines with the same figures as the screen
// (the stored score result), the rectification due date, the photos
// (thumbnail renditions) and signatures.
//
// Chinese text is set in WenQuanYi Micro Hei (font/, Apache 2.0; derived from Droid Sans Fallback), embedded
// in the binary; each PDF carries only the glyphs it uses (fpdf subsets the
// TrueType font when it writes the file), so a store name with a rare
// character still prints.
//
// It reads submissions through sync, and stores, orders, names and
// rectifications through their packages; it writes nothing.
package summary
