package server

import (
	"bytes"
	"os"
	"path/filepath"

	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/qa"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// qaAudioDir is where call recordings live ("" without a data dir: uploads
// are refused).
func qaAudioDir(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, store.AudioDir)
}

// bindQA: the monitoring of agents' calls (issue 23; seed 001). QA reviewers
// draw their day, review calls and run calibrations; agents read the reviews
// of their own calls; supervisors their unit's; the admin everything.
func (s *Server) bindQA() {
	reviewers := Roles(auth.RoleQA)
	readers := Roles(auth.RoleQA, auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin)
	desk := Roles(auth.RoleQA, auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/qa/day", reviewers, s.qaDay)
	s.route(fiber.MethodGet, "/api/v1/qa/calls/:id", desk, s.qaCall)
	s.route(fiber.MethodPost, "/api/v1/qa/reviews", reviewers, s.qaCreate)
	s.route(fiber.MethodGet, "/api/v1/qa/reviews", readers, s.qaList)
	s.route(fiber.MethodGet, "/api/v1/qa/reviews/:id", readers, s.qaGet)
	s.route(fiber.MethodPut, "/api/v1/qa/reviews/:id/audio", reviewers, s.qaPutAudio)
	s.route(fiber.MethodGet, "/api/v1/qa/reviews/:id/audio", readers, s.qaGetAudio)
	s.route(fiber.MethodGet, "/api/v1/qa/mix", desk, s.qaMix)
	s.route(fiber.MethodGet, "/api/v1/qa/reports/:period", desk, s.qaReport)
	s.route(fiber.MethodGet, "/api/v1/qa/reviewers", desk, s.qaReviewers)
	s.route(fiber.MethodGet, "/api/v1/qa/calibrations", desk, s.qaCalibrations)
	s.route(fiber.MethodPost, "/api/v1/qa/calibrations", desk, s.qaCreateCalibration)
	s.route(fiber.MethodGet, "/api/v1/qa/calibrations/:id", desk, s.qaCalibration)
	s.route(fiber.MethodPost, "/api/v1/qa/calibrations/:id/scores", Roles(auth.RoleQA, auth.RoleSupervisor), s.qaScoreCalibration)
}

func (s *Server) qaDay(c *fiber.Ctx) error {
	day, err := s.QA.ParseDay("date", c.Query("date"))
	if err != nil {
		return err
	}
	d, err := s.QA.Day(principal(c), day)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (s *Server) qaCall(c *fiber.Ctx) error {
	call, err := s.QA.Call(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(call)
}

func (s *Server) qaCreate(c *fiber.Ctx) error {
	var in qa.Input
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.QA.Create(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) qaList(c *fiber.Ctx) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	var f qa.Filter
	if v := c.Query("from"); v != "" {
		if f.From, err = s.QA.ParseDay("from", v); err != nil {
			return err
		}
	}
	if v := c.Query("to"); v != "" {
		if f.To, err = s.QA.ParseDay("to", v); err != nil {
			return err
		}
		f.To = f.To.AddDate(0, 0, 1)
	}
	f.Agent, f.Reviewer = utils.CopyString(c.Query("agent")), utils.CopyString(c.Query("reviewer"))
	items, next, err := s.QA.List(principal(c), f, limit, utils.CopyString(after))
	if err != nil {
		return err
	}
	return listJSON(c, items, next)
}

func (s *Server) qaGet(c *fiber.Ctx) error {
	r, err := s.QA.Get(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) qaPutAudio(c *fiber.Ctx) error {
	ct, err := qa.AudioType(string(c.Request().Header.ContentType()))
	if err != nil {
		return err
	}
	body, err := readBody(c, s.QA.MaxAudio())
	if err != nil {
		return err
	}
	r, err := s.QA.PutAudio(principal(c), utils.CopyString(c.Params("id")), ct, body)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) qaGetAudio(c *fiber.Ctx) error {
	path, ct, err := s.QA.AudioFile(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return errs.NotFoundf("recording", c.Params("id"))
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendFile(path)
}

func (s *Server) qaMix(c *fiber.Ctx) error {
	day := s.Now()
	if m := c.Query("month"); m != "" {
		d, err := s.QA.ParseDay("month", m+"-01")
		if err != nil {
			return err
		}
		day = d
	}
	reviewer := utils.CopyString(c.Query("reviewer"))
	if p := principal(c); p.Role == auth.RoleQA && reviewer == "" {
		reviewer = p.Username
	}
	m, err := s.QA.MixFor(reviewer, day)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) qaReport(c *fiber.Ctx) error {
	day, err := s.QA.ParseDay("date", c.Query("date"))
	if err != nil {
		return err
	}
	format := c.Query("format")
	if format != "" && format != "xlsx" {
		e := errs.New(errs.BadRequest, "bad_format", "format 须为 xlsx", "format must be xlsx")
		e.Fields = map[string]errs.Msg{"format": e.Message}
		return e
	}
	rep, err := s.QA.Report(principal(c), utils.CopyString(c.Params("period")), day)
	if err != nil {
		return err
	}
	if format == "" {
		return c.JSON(rep)
	}
	var buf bytes.Buffer
	if err := qa.WriteXLSX(&buf, rep, s.QA.Names(rep)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+rep.FileName()+`"`)
	return c.Send(buf.Bytes())
}

func (s *Server) qaReviewers(c *fiber.Ctx) error {
	list, err := s.QA.Reviewers()
	if err != nil {
		return err
	}
	return listJSON(c, list, "")
}

func (s *Server) qaCalibrations(c *fiber.Ctx) error {
	list, err := s.QA.Calibrations(principal(c))
	if err != nil {
		return err
	}
	return listJSON(c, list, "")
}

func (s *Server) qaCreateCalibration(c *fiber.Ctx) error {
	var in qa.CalInput
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	cal, err := s.QA.CreateCalibration(principal(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cal)
}

func (s *Server) qaCalibration(c *fiber.Ctx) error {
	cal, err := s.QA.GetCalibration(principal(c), utils.CopyString(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(cal)
}

func (s *Server) qaScoreCalibration(c *fiber.Ctx) error {
	var in qa.CalScoreInput
	if err := s.bindJSON(c, &in); err != nil {
		return err
	}
	cal, err := s.QA.ScoreCalibration(principal(c), utils.CopyString(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(cal)
}

// The routes' entries in the contract (openapi.go's apiDocs).
func init() {
	xlsx := []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	audio := []string{"audio/mpeg", "audio/wav", "audio/ogg", "audio/webm", "audio/mp4", "audio/aac", "audio/amr"}
	for k, d := range map[string]apiDoc{
		"GET /api/v1/qa/day": {Summary: "品质保障员当日监听队列（首次查看时抽取并保存）/ the reviewer's queue for a day, drawn and stored on first sight",
			Query: []string{"date:YYYY-MM-DD, default today"}, Response: qa.Day{}, Errors: []int{422}},
		"GET /api/v1/qa/calls/:id": {Summary: "待监听的通话（回访记录）/ one call to review: attempts, script answers, result",
			Response: qa.Call{}, Errors: []int{404, 422}},
		"POST /api/v1/qa/reviews": {Summary: "提交监听记录表 / record a review of one call", Request: qa.Input{}, Response: qa.Review{},
			OK: []int{201}, Errors: []int{404, 409, 422}},
		"GET /api/v1/qa/reviews": {Summary: "监听记录（坐席：仅本人）/ reviews, newest first (an agent: their own only)",
			Query: withPageQ("from", "to", "agent", "reviewer"), Response: qa.Review{}, List: true},
		"GET /api/v1/qa/reviews/:id": {Summary: "一份监听记录 / one review", Response: qa.Review{}, Errors: []int{404}},
		"PUT /api/v1/qa/reviews/:id/audio": {Summary: "上传通话录音 / attach the call's recording", BodyTypes: audio, Response: qa.Review{},
			Errors: []int{403, 404, 415, 422, 503}},
		"GET /api/v1/qa/reviews/:id/audio": {Summary: "通话录音 / the recording", Produces: audio, Errors: []int{404}},
		"GET /api/v1/qa/mix": {Summary: "本月监听方式占比（即席:远程:录音 = 2:7:1）/ the month's modes against 2:7:1",
			Query: []string{"month:YYYY-MM", "reviewer"}, Response: qa.Mix{}},
		"GET /api/v1/qa/reports/:period": {Summary: "监控分析日报/周报/月报（period: daily, weekly, monthly）/ daily, weekly or monthly analysis",
			Query: []string{"date:YYYY-MM-DD in the period", "format:xlsx"}, Response: qa.Report{}, Produces: xlsx, Errors: []int{404}},
		"GET /api/v1/qa/reviewers": {Summary: "可参加校准的人员（品质保障员、主管）/ who may sit a calibration (QA reviewers, supervisors)",
			Response: qa.Reviewer{}, List: true},
		"GET /api/v1/qa/calibrations": {Summary: "校准会 / calibration sessions", Response: qa.Calibration{}, List: true},
		"POST /api/v1/qa/calibrations": {Summary: "新建校准会 / open a calibration session", Request: qa.CalInput{}, Response: qa.Calibration{},
			OK: []int{201}, Errors: []int{422}},
		"GET /api/v1/qa/calibrations/:id": {Summary: "校准结果（偏离中位数超出允许偏差者需再培训）/ a session and who strays beyond the tolerance",
			Response: qa.Calibration{}, Errors: []int{404}},
		"POST /api/v1/qa/calibrations/:id/scores": {Summary: "校准评分 / score one call of a session", Request: qa.CalScoreInput{}, Response: qa.Calibration{},
			Errors: []int{404, 409, 422}},
	} {
		apiDocs[k] = d
	}
}
