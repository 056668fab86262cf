package submissions

import (
	"fieldcheck/checklists"
	"fieldcheck/workorders"
)

// FactsOf is what a sheet's conditions are judged on: the work order's type,
// product, customer tier and kind, or the store's kind; nil with neither.
func FactsOf(wo *workorders.WorkOrder, outlet *workorders.Outlet) *checklists.Facts {
	switch {
	case wo != nil:
		return &checklists.Facts{OrderType: wo.Type, Product: wo.Product, CustomerTier: wo.Customer.Tier, CustomerKind: wo.Customer.Kind}
	case outlet != nil:
		return &checklists.Facts{StoreKind: outlet.Kind}
	}
	return nil
}

// judge validates s with its conditions judged on the order (or store) as
// the phone had it, so that a change to the order afterwards never rejects
// the sheet:
//
//   - a phone that says it had an earlier version of the order
//     (order_version below the current one, with order_facts) is judged on
//     the facts it carried;
//   - a phone that had the current version is judged on the current order,
//     and a sheet that fails so is refused (nothing changed under it);
//   - otherwise — an older phone that says nothing, or a sheet the carried
//     facts refuse — the current order is tried, then the same with every
//     conditional item optional (checklists.Context.Lenient): it is
//     accepted and flagged order_changed rather than refused. Failures that
//     no condition explains (a wrong type, an unconditional item missing)
//     still refuse it.
//
// changed says the sheet was not judged strictly on the current order;
// ctx.Facts is what it was judged on.
func judge(tpl *checklists.Template, s *checklists.Submission, wo *workorders.WorkOrder, outlet *workorders.Outlet) (ctx checklists.Context, changed bool, err error) {
	cur := FactsOf(wo, outlet)
	ctx.Facts = cur
	if wo != nil {
		ctx.SubscribedMbps = wo.SubscribedMbps
		if s.OrderVersion > 0 && s.OrderVersion < wo.Version && checklists.ValidFacts(s.OrderFacts) {
			ctx.Facts = s.OrderFacts
		}
	}
	err = checklists.Validate(tpl, s, ctx)
	sameFacts := func(f *checklists.Facts) bool { return f == nil || cur == nil || *f == *cur }
	if err == nil || !checklists.HasConditions(tpl) || (wo != nil && s.OrderVersion == wo.Version) {
		return ctx, err == nil && !sameFacts(ctx.Facts), err
	}
	first := err
	for _, lenient := range []bool{false, true} {
		try := ctx
		try.Facts, try.Lenient = cur, lenient
		if try.Facts == ctx.Facts && !lenient {
			continue // already tried
		}
		if checklists.Validate(tpl, s, try) == nil {
			return try, true, nil
		}
	}
	return ctx, false, first
}
