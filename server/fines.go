package server

import (
	"strconv"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/fines"
	"fieldcheck/reports"
	"fieldcheck/sla"
	"fieldcheck/workdays"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
)

// bindFines: issue 22 — the working-day calendar, the SLA rules, the agency
// fines of seed 004 第三篇 with their review and month close, and the
// agency's monthly score. Supervisors act on their unit, the admin on all
// and sets the calendar, rules and catalogue.
func (s *Server) bindFines() {
	managers := Roles(auth.RoleSupervisor, auth.RoleAdmin)
	admin := Roles(auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/workdays/:year", Anyone, s.getWorkdays)
	s.route(fiber.MethodPut, "/api/v1/workdays/:year", admin, s.putWorkdays)
	s.route(fiber.MethodGet, "/api/v1/sla/rules", managers, s.getSLARules)
	s.route(fiber.MethodPut, "/api/v1/sla/rules", admin, s.putSLARules)
	s.route(fiber.MethodGet, "/api/v1/fines/catalogue", managers, s.getFineCatalogue)
	s.route(fiber.MethodPut, "/api/v1/fines/catalogue", admin, s.putFineCatalogue)
	s.route(fiber.MethodGet, "/api/v1/fines/months", managers, s.getFineMonths)
	s.route(fiber.MethodPost, "/api/v1/fines/months/:month/close", admin, s.closeFineMonth)
	s.route(fiber.MethodGet, "/api/v1/fines", managers, s.listFines)
	s.route(fiber.MethodPost, "/api/v1/fines", managers, s.raiseFine)
	s.route(fiber.MethodGet, "/api/v1/fines/:id", managers, s.getFine)
	s.route(fiber.MethodPost, "/api/v1/fines/:id/review", managers, withIDBody(s, s.Fines.Review))
	s.route(fiber.MethodPost, "/api/v1/workorders/:id/appointments", Roles(auth.RoleTechnician, auth.RoleSupervisor, auth.RoleAdmin), withIDBody(s, s.WorkOrders.Record))
	s.route(fiber.MethodPost, "/api/v1/workorders/:id/unreachable", Roles(auth.RoleTechnician, auth.RoleSupervisor, auth.RoleAdmin), withIDBody(s, s.WorkOrders.RecordUnreachable))
	s.route(fiber.MethodPost, "/api/v1/workorders/:id/unreachable/close", Roles(auth.RoleTechnician, auth.RoleSupervisor, auth.RoleAdmin), s.closeUnreachable)
	s.route(fiber.MethodGet, "/api/v1/reports/agency-fines", managers, s.reportAgencyFines)
	s.route(fiber.MethodGet, "/api/v1/reports/agency-score", managers, s.reportAgencyScore)
}

func init() {
	csvXLSX := []string{reports.ContentTypeCSV, reports.ContentTypeXLSX}
	for k, d := range map[string]apiDoc{
		"GET /api/v1/workdays/:year":                    {Summary: "工作日历（法定节假日、调休）/ the year's working-day calendar", Response: workdays.Calendar{}, Errors: []int{404}},
		"PUT /api/v1/workdays/:year":                    {Summary: "设置一年的工作日历 / set a year's calendar (open orders are re-timed)", Request: workdays.Calendar{}, Response: workdays.Calendar{}, Errors: []int{404, 422}},
		"GET /api/v1/sla/rules":                         {Summary: "工单时限规则 / the SLA rules in force", Response: sla.RuleSet{}},
		"PUT /api/v1/sla/rules":                         {Summary: "设置时限规则（在途工单重新计时）/ replace the SLA rules (open orders are re-timed)", Request: slaRulesBody{}, Response: sla.RuleSet{}, Errors: []int{422}},
		"GET /api/v1/fines/catalogue":                   {Summary: "罚款目录（种子 004 第十三–二十九条）/ the fines catalogue", Response: fines.Item{}, List: true},
		"PUT /api/v1/fines/catalogue":                   {Summary: "设置罚款目录（金额范围、月度封顶）/ replace the catalogue (ranges, monthly caps)", Request: catalogueBody{}, Response: fines.Item{}, List: true, Errors: []int{422}},
		"GET /api/v1/fines/months":                      {Summary: "考核月份与关账状态 / the last 12 months and whether each is closed", Response: fines.MonthInfo{}, List: true},
		"POST /api/v1/fines/months/:month/close":        {Summary: "关账（冻结该月罚款与得分）/ close a month now, freezing its fines and score", Response: fines.MonthInfo{}, Errors: []int{409}},
		"GET /api/v1/fines":                             {Summary: "罚款（按月，待审在前）/ the month's fines, proposed first", Query: withPageQ("month:YYYY-MM", "status:proposed|confirmed|waived", "unit"), Response: fines.Fine{}, List: true},
		"POST /api/v1/fines":                            {Summary: "手工提出罚款 / propose a fine on an order by hand", Request: fines.Raise{}, Response: fines.Fine{}, OK: []int{201}, Errors: []int{404, 422}},
		"GET /api/v1/fines/:id":                         {Summary: "一条罚款及其证据 / one fine with its evidence", Response: fines.Fine{}, Errors: []int{404}},
		"POST /api/v1/fines/:id/review":                 {Summary: "审核罚款：确认、调整（范围内）或免罚（须理由）/ confirm, adjust within the range, or waive with a reason", Request: fines.Review{}, Response: fines.Fine{}, Errors: []int{404, 409, 422}},
		"POST /api/v1/workorders/:id/appointments":      {Summary: "预约登记：预约、改约（须原因）、履约、未履约 / record an appointment made, changed (with a reason), kept or missed", Request: workorders.ApptInput{}, Response: workorders.WorkOrder{}, Errors: []int{404, 409, 422}},
		"POST /api/v1/workorders/:id/unreachable":       {Summary: "联系不上客户：登记一次联系及留言条照片（第二十四条）/ record a failed attempt to reach a repair customer, with the note's photo", Request: workorders.UnreachableInput{}, Response: workorders.WorkOrder{}, Errors: []int{404, 409, 422}},
		"POST /api/v1/workorders/:id/unreachable/close": {Summary: "联系不上满 24 小时申请销障（回访确认）/ close a repair unreachable for 24 h; its callback confirms", Response: workorders.WorkOrder{}, Errors: []int{404, 409}},
		"GET /api/v1/reports/agency-fines":              {Summary: "代理公司罚款（待审与已确认分列，已确认按月封顶）/ agency fines per unit and month: proposed and confirmed apart, caps on confirmed", Query: []string{"month:YYYY-MM", "unit", "format:csv|xlsx"}, Response: fines.Row{}, List: true, Produces: csvXLSX},
		"GET /api/v1/reports/agency-score":              {Summary: "代理公司月度考核得分（第五条）/ the agency's monthly score", Query: []string{"month:YYYY-MM", "unit", "format:csv|xlsx"}, Response: fines.Score{}, List: true, Produces: csvXLSX},
	} {
		apiDocs[k] = d
	}
}

// slaRulesBody and catalogueBody are the PUT bodies.
type slaRulesBody struct {
	Rules []sla.Rule `json:"rules"`
}

type catalogueBody struct {
	Items []fines.Item `json:"items"`
}

func yearParam(c *fiber.Ctx) (int, error) {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, errs.New(errs.NotFound, "not_found", "没有该年份的日历", "no calendar for that year")
	}
	return y, nil
}

func (s *Server) getWorkdays(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	cal, err := s.Workdays.Get(y)
	if err != nil {
		return err
	}
	return c.JSON(cal)
}

func (s *Server) putWorkdays(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	var in workdays.Calendar
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	cal, err := s.Workdays.Put(principal(c), y, in)
	if err != nil {
		return err
	}
	if err := s.SLA.RetimeAll(); err != nil {
		return err
	}
	return c.JSON(cal)
}

func (s *Server) getSLARules(c *fiber.Ctx) error {
	rs, err := s.SLA.Rules()
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

func (s *Server) putSLARules(c *fiber.Ctx) error {
	var in slaRulesBody
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	rs, err := s.SLA.PutRules(principal(c), in.Rules)
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

func (s *Server) getFineCatalogue(c *fiber.Ctx) error {
	items, err := s.Fines.CatalogueOf()
	if err != nil {
		return err
	}
	return listJSON(c, items, "")
}

func (s *Server) putFineCatalogue(c *fiber.Ctx) error {
	var in catalogueBody
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	items, err := s.Fines.PutCatalogue(principal(c), in.Items)
	if err != nil {
		return err
	}
	return listJSON(c, items, "")
}

func (s *Server) getFineMonths(c *fiber.Ctx) error {
	ms, err := s.Fines.Months()
	if err != nil {
		return err
	}
	return listJSON(c, ms, "")
}

func (s *Server) closeFineMonth(c *fiber.Ctx) error {
	info, err := s.Fines.Close(principal(c), c.Params("month"))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

// fineMonth is ?month=, this month by default.
func (s *Server) fineMonth(c *fiber.Ctx) (string, error) {
	m := c.Query("month", fines.MonthOf(s.Now()))
	if err := fines.ValidMonth(m); err != nil {
		e := errs.New(errs.BadRequest, "bad_month", "month 格式应为 YYYY-MM", "month must be YYYY-MM")
		e.Fields = map[string]errs.Msg{"month": e.Message}
		return "", e
	}
	return m, nil
}

func (s *Server) listFines(c *fiber.Ctx) error {
	m, err := s.fineMonth(c)
	if err != nil {
		return err
	}
	st := c.Query("status")
	switch st {
	case "", fines.StatusProposed, fines.StatusConfirmed, fines.StatusWaived:
	default:
		return errs.New(errs.BadRequest, "bad_status", "status 须为 proposed、confirmed 或 waived", "status must be proposed, confirmed or waived")
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	list, err := s.Fines.List(principal(c), fines.Filter{Month: m, Status: st, Unit: c.Query("unit")})
	if err != nil {
		return err
	}
	// The page token is the position in the month's list (proposed first).
	start := 0
	if after != "" {
		if start, err = strconv.Atoi(after); err != nil || start < 0 || start > len(list) {
			return errs.New(errs.BadRequest, "bad_after", "after 参数无效", "after is not a valid page token")
		}
	}
	end, next := len(list), ""
	if start+limit < end {
		end, next = start+limit, strconv.Itoa(start+limit)
	}
	return listJSON(c, list[start:end], next)
}

func (s *Server) raiseFine(c *fiber.Ctx) error {
	var in fines.Raise
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	f, err := s.Fines.Raise(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(f)
}

func (s *Server) getFine(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f, err := s.Fines.Get(principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(f)
}

func (s *Server) closeUnreachable(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	wo, err := s.WorkOrders.CloseUnreachable(principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(wo)
}

func (s *Server) reportAgencyFines(c *fiber.Ctx) error {
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	m, err := s.fineMonth(c)
	if err != nil {
		return err
	}
	rows, err := s.Fines.Report(principal(c), m, c.Query("unit"))
	if err != nil {
		return err
	}
	return sendReport(c, format, "agency-fines-"+m, rows, func() *reports.Table { return fines.RowsTable(rows) })
}

func (s *Server) reportAgencyScore(c *fiber.Ctx) error {
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	m, err := s.fineMonth(c)
	if err != nil {
		return err
	}
	rows, err := s.Fines.ScoresOf(principal(c), m, c.Query("unit"))
	if err != nil {
		return err
	}
	return sendReport(c, format, "agency-score-"+m, rows, func() *reports.Table { return fines.ScoreTable(rows) })
}

// withIDBody is the handler of a write on one record: the :id, a JSON body
// of In, the domain's call as the caller, its answer as JSON (errors go to
// the error handler like any other).
func withIDBody[In, Out any](s *Server, call func(auth.Principal, string, In) (Out, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var in In
		if err := s.bindJSON(c, &in); err != nil {
			return err
		}
		out, err := call(principal(c), id, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}
