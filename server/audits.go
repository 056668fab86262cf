package server

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"

	"fieldcheck/audits"
	"fieldcheck/auth"
	"fieldcheck/errs"
	"fieldcheck/reports"

	"github.com/gofiber/fiber/v2"
)

// bindAudits: issue 20 — the enterprise service audit (seed 000). Inspectors
// and the admin audit any unit, a supervisor their own (audits.Service).
func (s *Server) bindAudits() {
	svc := audits.NewService(s.DB, s.Now)
	who := Roles(auth.RoleInspector, auth.RoleSupervisor, auth.RoleAdmin)
	s.route(fiber.MethodGet, "/api/v1/audits/definition", who, func(c *fiber.Ctx) error {
		return c.JSON(audits.Builtin())
	})
	s.route(fiber.MethodPost, "/api/v1/audits", who, func(c *fiber.Ctx) error {
		var in audits.CreateInput
		if err := s.bindJSON(c, &in); err != nil {
			return err
		}
		a, err := svc.Create(principal(c), in)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(a)
	})
	s.route(fiber.MethodGet, "/api/v1/audits", who, func(c *fiber.Ctx) error {
		limit, after, err := page(c)
		if err != nil {
			return err
		}
		items, next, err := svc.List(principal(c), c.Query("unit"), limit, after)
		if err != nil {
			return err
		}
		return listJSON(c, items, next)
	})
	s.route(fiber.MethodGet, "/api/v1/audits/:id", who, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		a, err := svc.Get(principal(c), id)
		if err != nil {
			return err
		}
		return c.JSON(a)
	})
	s.route(fiber.MethodGet, "/api/v1/audits/:id/results", who, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := svc.Results(principal(c), id)
		if err != nil {
			return err
		}
		return c.JSON(r)
	})
	s.route(fiber.MethodPost, "/api/v1/audits/:id/items/:item/draw", who, func(c *fiber.Ctx) error {
		id, item, err := auditItem(c)
		if err != nil {
			return err
		}
		var in drawBody
		if len(c.Body()) > 0 {
			if err := s.bindJSON(c, &in); err != nil {
				return err
			}
		}
		a, err := svc.DrawSample(principal(c), id, item, in.N)
		if err != nil {
			return err
		}
		return c.JSON(a)
	})
	s.route(fiber.MethodPost, "/api/v1/audits/:id/items/:item/judge", who, func(c *fiber.Ctx) error {
		id, item, err := auditItem(c)
		if err != nil {
			return err
		}
		var in audits.JudgeInput
		if err := s.bindJSON(c, &in); err != nil {
			return err
		}
		a, err := svc.Judge(principal(c), id, item, in)
		if err != nil {
			return err
		}
		return c.JSON(a)
	})
	s.route(fiber.MethodPost, "/api/v1/audits/:id/items/:item/evidence", who, func(c *fiber.Ctx) error {
		id, item, err := auditItem(c)
		if err != nil {
			return err
		}
		var in evidenceBody
		if err := s.bindJSON(c, &in); err != nil {
			return err
		}
		// The evidence must be a photo or document already uploaded.
		if _, err := s.Photos.Get(strings.ToLower(in.SHA256)); err != nil {
			if !errs.IsKind(err, errs.NotFound) && !errs.IsKind(err, errs.BadRequest) && !errs.IsKind(err, errs.Invalid) {
				return err
			}
			var v errs.Validation
			v.Add("sha256", "未找到该照片或文件，请先上传", "no such photo or document: upload it first")
			return v.Err()
		}
		_, ev, err := svc.AddEvidence(principal(c), id, item, in.SHA256, in.Ext)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(ev)
	})
	s.route(fiber.MethodPost, "/api/v1/audits/:id/file", who, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var in fileBody
		if err := s.bindJSON(c, &in); err != nil {
			return err
		}
		a, err := svc.File(principal(c), id, in.Advice)
		if err != nil {
			return err
		}
		return c.JSON(a)
	})
	s.route(fiber.MethodGet, "/api/v1/audits/:id/report", who, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		format := c.Query("format", "xlsx")
		if format != "xlsx" && format != "zip" {
			var v errs.Validation
			v.Add("format", "格式须为 xlsx 或 zip", "format must be xlsx or zip")
			return v.Err()
		}
		rep, err := svc.Report(principal(c), id)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		ctype := reports.ContentTypeXLSX
		if format == "zip" {
			ctype = "application/zip"
			err = rep.WriteZip(&buf, func(sha string) (io.ReadCloser, error) {
				o, _, _, err := s.Photos.Open(context.Background(), sha, "")
				return o, err
			})
		} else {
			err = rep.WriteXLSX(&buf)
		}
		if err != nil {
			return err
		}
		name := "稽查报告-" + rep.Audit.ID + "." + format
		c.Set(fiber.HeaderContentType, ctype)
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit-report.`+format+`"; filename*=UTF-8''`+url.PathEscape(name))
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(buf.Bytes())
	})
}

// auditItem is the :id and :item parameters.
func auditItem(c *fiber.Ctx) (string, string, error) {
	id, err := pathID(c)
	if err != nil {
		return "", "", err
	}
	item, err := url.PathUnescape(c.Params("item"))
	if err != nil {
		return "", "", errs.New(errs.BadRequest, "bad_id", "路径中的编号无效", "the id in the path is not valid")
	}
	return id, strings.Clone(item), nil
}

type drawBody struct {
	// N overrides the item's sample size per line (1–50).
	N int `json:"n,omitempty"`
}

type evidenceBody struct {
	SHA256 string `json:"sha256"`
	Ext    string `json:"ext"`
}

type fileBody struct {
	Advice string `json:"advice"`
}

func init() {
	for k, d := range map[string]apiDoc{
		"GET /api/v1/audits/definition":                {Summary: "政企客户服务标准稽查项（基础类、共性能力）/ the enterprise audit's items", Response: audits.Definition{}},
		"GET /api/v1/audits":                           {Summary: "稽查列表（主管只见本单位）/ the audits the caller may see", Query: withPageQ("unit"), Response: audits.Summary{}, List: true},
		"POST /api/v1/audits":                          {Summary: "开始一次稽查（被稽查单位、稽查人员、不认领项）/ start an audit of a unit", Request: audits.CreateInput{}, Response: audits.Audit{}, OK: []int{201}, Errors: []int{422}},
		"GET /api/v1/audits/:id":                       {Summary: "一次稽查 / one audit", Response: audits.Audit{}, Errors: []int{404}},
		"GET /api/v1/audits/:id/results":               {Summary: "稽查结果（逐项：达标、不达标、样本不足、不适用）/ each item's outcome", Response: audits.Results{}, Errors: []int{404}},
		"POST /api/v1/audits/:id/items/:item/draw":     {Summary: "工单抽查：服务器随机抽取近 3 个月竣工工单并保存种子 / draw the sample (stored with its seed)", Request: drawBody{}, Response: audits.Audit{}, Errors: []int{404, 409, 422}},
		"POST /api/v1/audits/:id/items/:item/judge":    {Summary: "判定一项或一张抽查工单 / judge an item or a sampled order", Request: audits.JudgeInput{}, Response: audits.Audit{}, Errors: []int{404, 409, 422}},
		"POST /api/v1/audits/:id/items/:item/evidence": {Summary: "附证据（按“标准分类_编号_服务环节_服务标准_序号”命名）/ keep an uploaded photo or document as evidence", Request: evidenceBody{}, Response: audits.Evidence{}, OK: []int{201}, Errors: []int{404, 409, 422}},
		"POST /api/v1/audits/:id/file":                 {Summary: "归档稽查（填写建议）/ file the audit with the advice", Request: fileBody{}, Response: audits.Audit{}, Errors: []int{404, 409, 422}},
		"GET /api/v1/audits/:id/report":                {Summary: "稽查报告（XLSX，或含证据的 zip；客户信息脱敏）/ the report as XLSX, or a zip with the evidence", Query: []string{"format:xlsx|zip"}, Produces: []string{reports.ContentTypeXLSX, "application/zip"}, Errors: []int{404, 422}},
	} {
		apiDocs[k] = d
	}
}
