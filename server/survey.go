package server

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"

	"fieldcheck/callbacks"
	"fieldcheck/errs"
	"fieldcheck/store"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindSurvey: the public one-tap survey a customer opens from the SMS
// (API.md "Callbacks"). Plain HTML forms, no script, so it works on any
// phone browser; zh-CN only, since it is for the customer.
func (s *Server) bindSurvey() {
	s.route(fiber.MethodGet, "/s/:token", Public, s.surveyPage)
	s.route(fiber.MethodPost, "/s/:token", Public, s.surveyAnswer)
}

// surveyMaxBody is far above a form with every reason ticked.
const surveyMaxBody = 16 << 10

var surveyTmpl = template.Must(template.New("survey").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>服务评价</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:16px;background:#f5f6f8;color:#222;font-size:17px}
main{max-width:480px;margin:0 auto}
h1{font-size:22px;margin:8px 0 4px}
p{line-height:1.5}
.b{display:block;width:100%;box-sizing:border-box;margin:10px 0;padding:18px;font-size:20px;border:0;border-radius:10px;color:#fff}
.vs{background:#1a7f37}.s{background:#2f6fde}.u{background:#c0392b}
fieldset{border:1px solid #ccc;border-radius:10px;margin:16px 0;padding:8px 12px;background:#fff}
label{display:block;padding:9px 0;font-size:17px}
input[type=checkbox]{width:22px;height:22px;vertical-align:middle;margin-right:8px}
input[type=text]{width:100%;box-sizing:border-box;padding:10px;font-size:17px}
.msg{background:#fff;border-radius:10px;padding:20px;margin-top:24px;text-align:center}
</style></head><body><main>
{{if .Survey}}
<h1>请评价本次{{.Survey.Job}}服务</h1>
<p>您的评价将帮助我们改进服务，点一下即可提交。</p>
<form method="post">
<button class="b vs" name="satisfaction" value="very_satisfied">非常满意</button>
<button class="b s" name="satisfaction" value="satisfied">满意</button>
<fieldset><legend>如不满意，请勾选原因（可多选）</legend>
{{range .Survey.Reasons}}<label><input type="checkbox" name="reasons" value="{{.}}">{{.}}</label>
{{end}}<label>其他：<input type="text" name="other" maxlength="200"></label>
</fieldset>
<button class="b u" name="satisfaction" value="unsatisfied">不满意</button>
</form>
{{else}}<div class="msg"><h1>{{.Title}}</h1><p>{{.Text}}</p></div>{{end}}
</main></body></html>
`))

type surveyPageData struct {
	Survey      *callbacks.Survey
	Title, Text string
}

func (s *Server) renderSurvey(c *fiber.Ctx, status int, d surveyPageData) error {
	var buf bytes.Buffer
	if err := surveyTmpl.Execute(&buf, d); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// surveyError answers a survey error as a page for a browser and as the API
// error shape for a JSON client.
func (s *Server) surveyError(c *fiber.Ctx, err error, jsonClient bool) error {
	e, ok := errs.As(err)
	if !ok || jsonClient {
		return err
	}
	status := kindStatus[e.Kind]
	title := "无法提交"
	switch e.Kind {
	case errs.Conflict:
		title = "感谢您的评价"
	case errs.Gone:
		title = "链接已失效"
	case errs.NotFound:
		title = "链接无效"
	}
	text := e.Message.Zh
	if e.Kind == errs.Gone {
		text = "该评价链接已失效，我们的客服人员会致电回访，感谢您的耐心。"
	}
	return s.renderSurvey(c, status, surveyPageData{Title: title, Text: text})
}

func (s *Server) surveyPage(c *fiber.Ctx) error {
	sv, err := s.Callbacks.SurveyByToken(utils.CopyString(c.Params("token")))
	if err != nil {
		return s.surveyError(c, err, false)
	}
	return s.renderSurvey(c, fiber.StatusOK, surveyPageData{Survey: sv})
}

// surveyAnswer takes a form post (the page) or JSON {satisfaction, reasons}.
// A token that cannot be answered is refused before the body is read.
func (s *Server) surveyAnswer(c *fiber.Ctx) error {
	token := utils.CopyString(c.Params("token"))
	jsonClient := strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON)
	if err := s.Callbacks.CheckSurvey(token); err != nil {
		return s.surveyError(c, err, jsonClient)
	}
	var in struct {
		Satisfaction string   `json:"satisfaction"`
		Reasons      []string `json:"reasons"`
	}
	if jsonClient {
		if err := s.bindJSONLimit(c, &in, surveyMaxBody); err != nil {
			return err
		}
	} else {
		body, err := readBody(c, surveyMaxBody)
		if err != nil {
			return s.surveyError(c, err, false)
		}
		if in.Satisfaction, in.Reasons, err = parseSurveyForm(body); err != nil {
			return s.surveyError(c, err, false)
		}
	}
	if err := s.Callbacks.AnswerSurveyFrom(token, in.Satisfaction, in.Reasons, clientDevice(c)); err != nil {
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && !jsonClient {
			e = errs.New(errs.Invalid, e.Code, "请点击“非常满意”“满意”或“不满意”提交", e.Message.En)
			return s.surveyError(c, e, false)
		}
		return s.surveyError(c, err, jsonClient)
	}
	if jsonClient {
		return c.JSON(fiber.Map{"status": "answered", "at": s.Now().In(store.Shanghai)})
	}
	text := "感谢您的评价，祝您生活愉快！"
	if in.Satisfaction == callbacks.Unsatisfied {
		text = "很抱歉给您带来不好的体验，我们的客服人员会尽快致电了解情况。"
	}
	return s.renderSurvey(c, fiber.StatusOK, surveyPageData{Title: "提交成功", Text: text})
}

var errBadForm = errs.New(errs.BadRequest, "bad_form", "提交内容无效，请返回重试", "the form could not be read")

// parseSurveyForm reads the page's form: the tapped button's satisfaction,
// the ticked reasons and the "other" text as one more reason.
func parseSurveyForm(body []byte) (satisfaction string, reasons []string, err error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", nil, errBadForm
	}
	reasons = form["reasons"]
	if o := strings.TrimSpace(form.Get("other")); o != "" {
		reasons = append(reasons, o)
	}
	return form.Get("satisfaction"), reasons, nil
}
