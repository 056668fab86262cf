package server

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fieldcheck/auth"
	"fieldcheck/callbacks"
	"fieldcheck/checklists"
	"fieldcheck/names"
	"fieldcheck/rectifications"
	"fieldcheck/reports"
	"fieldcheck/schedules"
	"fieldcheck/store"
	"fieldcheck/sync/protocol"
	"fieldcheck/sync/submissions"
	"fieldcheck/workorders"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"
)

// The contract in the repo: GET /api/v1/openapi.json is OpenAPI 3.1,
// generated from the route table (path, method, who may call) and the Go
// types each route reads and answers. openapi_test.go fails when a route is
// missing here, when an entry names no route, and when a status code any
// server test saw a route answer is not documented for it — so the document
// cannot drift from the handlers.

// apiDoc describes one route beyond what the route table knows.
type apiDoc struct {
	Summary string
	// Query lists query parameters ("name" or "name:description").
	Query []string
	// Request is a value of the JSON body's type (nil: no JSON body).
	Request any
	// BodyTypes are other request media types (text/csv, image/jpeg, ...).
	BodyTypes []string
	// Response is a value of the success body's type; List wraps it as
	// API.md's {items: [...], next}.
	Response any
	List     bool
	// Produces are non-JSON success media types (text/csv, image/jpeg, ...).
	Produces []string
	// OK is the success status codes (default 200).
	OK []int
	// Errors are the error statuses this route answers beyond the ones every
	// route of its kind shares (see commonErrors).
	Errors []int
}

// Doc-only shapes for answers the handlers build as maps.
type (
	// callbackSummaryAnswer: supervisors and the admin also get
	// uncovered_units (always, [] when none); agents do not.
	callbackSummaryAnswer struct {
		callbacks.Summary
		UncoveredUnits []string `json:"uncovered_units,omitempty" jsonschema:"description=supervisor and admin only: units with pending callbacks that no enabled agent can see (none of that unit and none without a unit)"`
	}
	userView struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		Unit     string `json:"unit"`
		Phone    string `json:"phone,omitempty"`
		Disabled bool   `json:"disabled,omitempty"`
		// The list also carries when the user last logged in and on what.
		LastLoginAt *time.Time `json:"last_login_at,omitempty"`
		LastDevice  string     `json:"last_device,omitempty" jsonschema:"description=platform from the last login's User-Agent, e.g. Android · Chrome"`
	}
	tokenAnswer struct {
		AccessToken  string   `json:"access_token"`
		RefreshToken string   `json:"refresh_token"`
		ExpiresIn    int      `json:"expires_in"`
		TokenType    string   `json:"token_type"`
		User         userView `json:"user"`
	}
	refreshRequest struct {
		RefreshToken string `json:"refresh_token"`
	}
	fileTokenAnswer struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	statusAnswer struct {
		Status string `json:"status"`
	}
	readyAnswer struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
		Build  BuildInfo         `json:"build"`
		Schema int               `json:"schema"`
	}
	bytesAnswer struct {
		Bytes int64 `json:"bytes"`
	}
	noteRequest struct {
		Note string `json:"note"`
	}
	resolveRequest struct {
		Note   string   `json:"note"`
		Photos []string `json:"photos"`
		// Version, when given, is the one the caller saw (409 when it changed).
		Version int `json:"version,omitempty"`
	}
	templateVersion struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	importAnswer struct {
		Results   []workorders.ImportResult `json:"results"`
		Created   int                       `json:"created"`
		Updated   int                       `json:"updated"`
		Rejected  int                       `json:"rejected"`
		Digest    string                    `json:"digest"`
		Committed bool                      `json:"committed"`
		DryRun    bool                      `json:"dry_run"`
	}
	reassignAnswer struct {
		Items []workorders.WorkOrder `json:"items"`
	}
	importRequest struct {
		WorkOrders []workorders.WorkOrder `json:"workorders"`
	}
	surveyAnswer struct {
		Satisfaction string   `json:"satisfaction"`
		Reasons      []string `json:"reasons"`
	}
	storeRequest struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Address string `json:"address"`
		Unit    string `json:"unit"`
		// Location is optional: {lat, lng} in degrees.
		Location *workorders.GeoPoint `json:"location,omitempty"`
	}
	errorAnswer struct {
		Error struct {
			Code      string            `json:"code"`
			Message   string            `json:"message"`
			Fields    map[string]string `json:"fields,omitempty"`
			RequestID string            `json:"request_id,omitempty"`
		} `json:"error"`
	}
)

var (
	csvXLSX   = []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	images    = []string{"image/jpeg", "image/png"}
	rangeQ    = []string{"from:YYYY-MM-DD (Asia/Shanghai), default 29 days before to", "to:YYYY-MM-DD, default today", "format:csv|xlsx downloads the same rows"}
	pageQ     = []string{"limit:at most 5000, default 200", "after:the previous page's next"}
	withPageQ = func(q ...string) []string { return append(q, pageQ...) }
)

// apiDocs: every route of the route table, by "METHOD path".
var apiDocs = map[string]apiDoc{
	"GET /healthz":                           {Summary: "进程存活 / process up", Response: statusAnswer{}},
	"GET /readyz":                            {Summary: "可服务：存储与依赖 / ready: store and every configured dependency, build and schema", Response: readyAnswer{}, Errors: []int{503}},
	"GET /metrics":                           {Summary: "Prometheus 指标 / Prometheus metrics", Produces: []string{"text/plain"}},
	"GET /api/v1/openapi.json":               {Summary: "本接口文档 / this document (OpenAPI 3.1)"},
	"GET /api/v1/admin/backup":               {Summary: "热备份 tar（无签名密钥）/ hot backup tar (no signing key)", Produces: []string{"application/x-tar"}},
	"GET /api/v1/audit":                      {Summary: "审计日志 / audit log: who changed what, when, from which device", Query: withPageQ(append(rangeQ, "actor:username")...), Response: store.AuditEntry{}, List: true, Produces: csvXLSX},
	"POST /api/v1/auth/login":                {Summary: "登录 / log in", Request: loginRequest{}, Response: tokenAnswer{}, Errors: []int{401, 422, 429}},
	"POST /api/v1/auth/refresh":              {Summary: "换新令牌（旧的作废）/ new token pair; the old refresh token is spent", Request: refreshRequest{}, Response: tokenAnswer{}, Errors: []int{401, 422}},
	"POST /api/v1/auth/logout":               {Summary: "退出（撤销本设备会话）/ revoke this session's token family", OK: []int{204}},
	"POST /api/v1/auth/file-token":           {Summary: "图片短时令牌 / short-lived file token for <img src>", Response: fileTokenAnswer{}},
	"GET /api/v1/me":                         {Summary: "当前用户 / the caller", Response: userView{}},
	"GET /api/v1/plans":                      {Summary: "巡检计划 / inspection plans in the caller's unit", Response: schedules.Plan{}, List: true},
	"POST /api/v1/plans":                     {Summary: "新建巡检计划 / create an inspection plan", Request: schedules.Input{}, Response: schedules.Plan{}, OK: []int{201}, Errors: []int{422}},
	"GET /api/v1/plans/:id":                  {Summary: "一个巡检计划（含各版本）/ one plan with its versions", Response: schedules.Plan{}, Errors: []int{404}},
	"PUT /api/v1/plans/:id":                  {Summary: "修改巡检计划（自今日起的新版本，不改历史）/ edit a plan: a new version from today, the past unchanged", Request: schedules.Input{}, Response: schedules.Plan{}, Errors: []int{404, 422}},
	"GET /api/v1/plan-windows":               {Summary: "巡检计划的周期（应检、已检、漏检）/ plan windows: due, done, missed", Query: []string{"status:due|done|missed|upcoming", "from:YYYY-MM-DD (default 90 days ago)", "to:YYYY-MM-DD (default today)"}, Response: schedules.Window{}, List: true},
	"GET /api/v1/submissions/:id/report.pdf": {Summary: "检查汇总反馈表 PDF / the inspection summary as a PDF", Query: []string{"token:file token"}, Produces: []string{"application/pdf"}, Errors: []int{404, 422, 429}},
	"GET /api/v1/names":                      {Summary: "显示名称（单位、产品、角色、人员）/ display names for units, products, roles, people", Response: names.Book{}},
	"PUT /api/v1/names/:kind/:code": {Summary: "设置显示名称 / set a display name (kind: unit, product, role)", Request: names.Input{}, Response: names.Name{},
		Errors: []int{404, 422}},

	"GET /api/v1/users":          {Summary: "用户列表 / users", Query: pageQ, Response: userView{}, List: true},
	"POST /api/v1/users":         {Summary: "新建用户 / create a user", Request: auth.NewUser{}, Response: userView{}, OK: []int{201}, Errors: []int{409, 422}},
	"PATCH /api/v1/users/:id":    {Summary: "修改用户（停用或改密码撤销其会话）/ edit a user (disable or new password revokes sessions)", Request: auth.UserPatch{}, Response: userView{}, Errors: []int{404, 409, 422}},
	"GET /api/v1/stores":         {Summary: "营业网点 / service outlets", Query: pageQ, Response: workorders.Outlet{}, List: true},
	"POST /api/v1/stores":        {Summary: "新建网点 / create an outlet", Request: storeRequest{}, Response: workorders.Outlet{}, OK: []int{201}, Errors: []int{409, 422}},
	"GET /api/v1/workorders":     {Summary: "工单列表 / work orders", Query: withPageQ("status", "technician", "unit", "type", "from", "to"), Response: workorders.WorkOrder{}, List: true},
	"POST /api/v1/workorders":    {Summary: "新建工单 / create a work order", Request: workorders.WorkOrder{}, Response: workorders.WorkOrder{}, OK: []int{201}, Errors: []int{409, 422}},
	"GET /api/v1/workorders/:id": {Summary: "工单详情 / one work order", Response: workorders.WorkOrder{}, Errors: []int{404}},
	"PATCH /api/v1/workorders/:id": {Summary: "改派、改约、取消 / reassign, reschedule, cancel", Request: workorders.Changes{}, Response: workorders.WorkOrder{},
		Errors: []int{404, 409, 422}},
	"POST /api/v1/workorders/:id/complete": {Summary: "无验收单完工（投诉由他部门处理）/ complete without an acceptance sheet", Request: noteRequest{}, Response: workorders.WorkOrder{}, Errors: []int{404, 409, 422}},
	"POST /api/v1/workorders/import": {Summary: "批量导入（JSON、CSV：UTF-8/GB18030，或 XLSX）；dry_run=1 预览不写入，mode=all 全部或不导入，expect=预览摘要 / import JSON, CSV or XLSX; dry_run previews, mode=all is all-or-nothing, expect confirms a preview",
		Query:   []string{"dry_run:1 = check every row, write nothing", "mode:row (default, per row) | all (any bad row writes nothing: 422)", "expect:the preview's digest; 409 when the rows now come out differently"},
		Request: importRequest{}, BodyTypes: []string{"text/csv", workorders.XLSXType},
		Response: importAnswer{}, Errors: []int{409, 413, 415, 422}},
	"POST /api/v1/workorders/reassign": {Summary: "批量改派（全部或不改）/ reassign several orders to one technician, all or none", Request: reassignRequest{},
		Response: reassignAnswer{}, Errors: []int{403, 404, 409, 422}},

	"GET /api/v1/templates":     {Summary: "检查表（各自最新版本）/ templates, latest version of each", Query: pageQ, Response: checklists.Summary{}, List: true},
	"GET /api/v1/templates/:id": {Summary: "检查表某版本 / a template (latest, or ?version=N)", Query: []string{"version"}, Response: checklists.Template{}, Errors: []int{404}},
	"PUT /api/v1/templates/:id": {Summary: "新版本检查表 / a new version (201 for a new id)", Query: []string{"base_version:the version an edit started from (409 template_changed when a newer one exists)", "dry_run:1 = validate only, store nothing"},
		Request: checklists.Template{}, Response: templateVersion{}, OK: []int{200, 201}, Errors: []int{409, 422}},

	"GET /api/v1/sync/pull":  {Summary: "离线同步：拉取 / what changed for the caller since the cursor", Query: []string{"cursor"}, Response: protocol.PullResponse{}},
	"POST /api/v1/sync/push": {Summary: "离线同步：提交（每项独立结果）/ push submissions; a result per item", Request: protocol.PushRequest{}, Response: protocol.PushResponse{}, Errors: []int{422}},
	"GET /api/v1/submissions": {Summary: "提交列表 / submissions", Query: withPageQ("workorder_id", "store_id", "flag", "complete", "from", "to"),
		Response: submissions.Summary{}, List: true},
	"GET /api/v1/submissions/:id": {Summary: "一份提交（某版本）/ a submission (or ?version=N)", Query: []string{"version"}, Response: submissions.View{}, Errors: []int{404}},

	"PUT /api/v1/photos/:sha256":  {Summary: "上传照片（按内容寻址）/ upload a photo by its sha256", BodyTypes: images, Response: photoAnswer{}, OK: []int{200, 201}, Errors: []int{404, 415, 422, 429, 503}},
	"HEAD /api/v1/photos/:sha256": {Summary: "是否已持有（按持有人）/ held and uploaded by the caller?", Errors: []int{404}},
	"GET /api/v1/photos/:sha256":  {Summary: "照片或缩略图 / a photo or rendition", Query: []string{"size:thumb|medium|full", "token:file token"}, Produces: images, OK: []int{200, 304}, Errors: []int{404, 429, 503}},

	"GET /api/v1/speedtest/ping":     {Summary: "测速：时延 / speed test ping", OK: []int{204}},
	"GET /api/v1/speedtest/download": {Summary: "测速：下行 N MiB / N MiB download", Query: []string{"mb:1–100"}, Produces: []string{"application/octet-stream"}, Errors: []int{422, 429}},
	"POST /api/v1/speedtest/upload":  {Summary: "测速：上行（丢弃）/ upload, discarded", BodyTypes: []string{"application/octet-stream"}, Response: bytesAnswer{}},

	"GET /api/v1/callbacks":               {Summary: "回访任务 / callback tasks", Query: withPageQ("status", "from", "to", "workorder_id"), Response: callbacks.Task{}, List: true, Errors: []int{422}},
	"GET /api/v1/callbacks/reasons":       {Summary: "不满意原因 / unsatisfied reasons", Response: "", List: true},
	"GET /api/v1/callbacks/summary":       {Summary: "坐席计数（本单位；无单位的坐席：全部）/ the queue's counters over the caller's units (an agent with no unit: all)", Response: callbackSummaryAnswer{}},
	"GET /api/v1/callbacks/:id":           {Summary: "一个回访任务 / one task", Response: callbacks.Task{}, Errors: []int{404}},
	"POST /api/v1/callbacks/claim":        {Summary: "领取下一个 / lease the next task (204: none)", Response: callbacks.Task{}, OK: []int{200, 204}},
	"POST /api/v1/callbacks/:id/claim":    {Summary: "领取指定任务或续租 / lease this task, or renew one's lease", Response: callbacks.Task{}, Errors: []int{404, 409}},
	"POST /api/v1/callbacks/:id/attempts": {Summary: "记录一次呼叫 / record an attempt", Request: attemptIn{}, Response: callbacks.Task{}, Errors: []int{404, 409, 422}},
	"POST /api/v1/callbacks/:id/result":   {Summary: "回访结果 / the result", Request: callbacks.ResultInput{}, Response: callbacks.Task{}, Errors: []int{404, 409, 422}},
	"POST /api/v1/callbacks/:id/release":  {Summary: "交还任务 / give a lease back", Response: callbacks.Task{}, Errors: []int{404, 409}},
	"GET /api/v1/rectifications":          {Summary: "整改 / rectifications", Query: withPageQ("status"), Response: rectifications.Rectification{}, List: true},
	"POST /api/v1/rectifications/:id/resolve": {Summary: "整改完成 / resolve a rectification", Request: resolveRequest{}, Response: rectifications.Rectification{},
		Errors: []int{404, 409, 422}},
	"POST /api/v1/rectifications/:id/assign": {Summary: "指定整改责任人 / name who carries a rectification out", Request: assignRequest{}, Response: rectifications.Rectification{},
		Errors: []int{404, 409, 422}},
	"POST /api/v1/rectifications/:id/reopen": {Summary: "重新打开整改（不认可处理结果）/ reopen a resolved rectification", Request: reopenRequest{}, Response: rectifications.Rectification{},
		Errors: []int{404, 409, 422}},
	"GET /api/v1/sms/outbox": {Summary: "短信待发 / SMS outbox", Query: pageQ, Response: callbacks.SMS{}, List: true},

	"GET /api/v1/reports/callbacks":   {Summary: "回访报表 / callbacks by day, week or month", Query: append([]string{"group:day|week|month"}, rangeQ...), Response: reports.CallbackRow{}, List: true, Produces: csvXLSX, Errors: rollupsBuilding},
	"GET /api/v1/reports/inspections": {Summary: "巡检报表（按网点）/ inspections per store", Query: rangeQ, Response: reports.InspectionRow{}, List: true, Produces: csvXLSX, Errors: rollupsBuilding},
	"GET /api/v1/reports/technicians": {Summary: "技术员合规 / technicians' compliance", Query: withPageQ(rangeQ...), Response: reports.TechnicianRow{}, List: true, Produces: csvXLSX, Errors: rollupsBuilding},
	"GET /api/v1/reports/fines":       {Summary: "罚款（按代理公司，含月度封顶）/ fines per unit with monthly caps", Query: []string{"month:YYYY-MM", "format:csv|xlsx"}, Response: reports.FineRow{}, List: true, Produces: csvXLSX, Errors: rollupsBuilding},

	"GET /s/:token":  {Summary: "客户短信满意度页 / the customer's one-tap survey page", Produces: []string{"text/html"}, Errors: []int{404, 410}},
	"POST /s/:token": {Summary: "客户提交满意度 / the customer's answer (form or JSON)", Request: surveyAnswer{}, BodyTypes: []string{"application/x-www-form-urlencoded"}, Produces: []string{"text/html"}, Errors: []int{404, 409, 410, 422}},
}

// commonErrors are the statuses every route of a kind may answer: bad input
// and oversized bodies where there is a body, 401/403 behind a login, 500
// for a bug, 507 for a full disk on writes.
func commonErrors(r RouteInfo, d apiDoc) []int {
	out := []int{400, 500}
	if !r.Access.Public {
		out = append(out, 401, 403)
	}
	if d.Request != nil || len(d.BodyTypes) > 0 {
		out = append(out, 413)
	}
	if r.Method != fiber.MethodGet && r.Method != fiber.MethodHead {
		out = append(out, 507)
	}
	return out
}

// documentedStatuses is every status the document allows for r.
func documentedStatuses(r RouteInfo) map[int]bool {
	d := apiDocs[r.Method+" "+r.Path]
	set := map[int]bool{}
	ok := d.OK
	if len(ok) == 0 {
		ok = []int{200}
	}
	for _, c := range append(append(ok, d.Errors...), commonErrors(r, d)...) {
		set[c] = true
	}
	return set
}

var paramRE = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// OpenAPI builds the document from the route table.
func (s *Server) OpenAPI() map[string]any {
	r := &jsonschema.Reflector{DoNotReference: false, ExpandedStruct: false, AllowAdditionalProperties: true}
	r.Mapper = func(t reflect.Type) *jsonschema.Schema {
		if t == reflect.TypeOf(time.Time{}) {
			return &jsonschema.Schema{Type: "string", Format: "date-time"}
		}
		return nil
	}
	defs := map[string]any{}
	schemaOf := func(v any) any {
		if v == nil {
			return nil
		}
		sc := r.Reflect(v)
		for name, d := range sc.Definitions {
			defs[name] = d
		}
		sc.Definitions = nil
		sc.Version = ""
		raw, _ := json.Marshal(sc)
		// Definitions move to components/schemas.
		out := strings.ReplaceAll(string(raw), "#/$defs/", "#/components/schemas/")
		var m any
		json.Unmarshal([]byte(out), &m)
		return m
	}
	errSchema := schemaOf(errorAnswer{})
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		d := apiDocs[rt.Method+" "+rt.Path]
		p := paramRE.ReplaceAllString(rt.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     d.Summary,
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", ":", "", ".", "_", "-", "_").Replace(rt.Path),
			"x-roles":     rolesOf(rt.Access),
		}
		if !rt.Access.Public {
			sec := []map[string][]string{{"bearer": {}}}
			if rt.Access.FileToken {
				sec = append(sec, map[string][]string{"fileToken": {}})
			}
			op["security"] = sec
		}
		var params []any
		for _, m := range paramRE.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range d.Query {
			name, desc, _ := strings.Cut(q, ":")
			params = append(params, map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if d.Request != nil || len(d.BodyTypes) > 0 {
			content := map[string]any{}
			if d.Request != nil {
				content["application/json"] = map[string]any{"schema": schemaOf(d.Request)}
			}
			for _, bt := range d.BodyTypes {
				content[bt] = map[string]any{}
			}
			op["requestBody"] = map[string]any{"content": content}
		}
		responses := map[string]any{}
		ok := d.OK
		if len(ok) == 0 {
			ok = []int{200}
		}
		for _, code := range ok {
			resp := map[string]any{"description": http200Text(code)}
			content := map[string]any{}
			if d.Response != nil && code != 204 && code != 304 {
				sc := schemaOf(d.Response)
				if d.List {
					sc = map[string]any{"type": "object", "required": []string{"items", "next"}, "properties": map[string]any{
						"items": map[string]any{"type": "array", "items": sc},
						"next":  map[string]any{"type": []string{"string", "null"}},
					}}
				}
				content["application/json"] = map[string]any{"schema": sc}
			}
			for _, pt := range d.Produces {
				content[pt] = map[string]any{}
			}
			if len(content) > 0 {
				resp["content"] = content
			}
			responses[strconv.Itoa(code)] = resp
		}
		var errCodes []int
		for c := range documentedStatuses(rt) {
			if c >= 400 || c == 503 {
				errCodes = append(errCodes, c)
			}
		}
		sort.Ints(errCodes)
		for _, c := range errCodes {
			responses[strconv.Itoa(c)] = map[string]any{"description": http200Text(c),
				"content": map[string]any{"application/json": map[string]any{"schema": errSchema}}}
		}
		op["responses"] = responses
		paths[p][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "fieldcheck",
			"version":     s.Cfg.Build.Version,
			"description": "离线优先的现场验收、巡检与回访 / offline-first field inspection. Errors: {error: {code, message, fields, request_id}}; lists: {items, next}; messages follow Accept-Language (zh-CN default, en). x-roles lists the roles the route table admits; row scope (own, unit, all) is the domain's.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": defs,
			"securitySchemes": map[string]any{
				"bearer":    map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"fileToken": map[string]any{"type": "apiKey", "in": "query", "name": "token"},
			},
		},
	}
}

func rolesOf(a Access) []string {
	if a.Public {
		return []string{"public"}
	}
	if len(a.Roles) == 0 {
		return auth.AllRoles
	}
	return a.Roles
}

func http200Text(code int) string {
	if t := fiberStatusText(code); t != "" {
		return t
	}
	return "status " + strconv.Itoa(code)
}

func fiberStatusText(code int) string { return statusTexts[code] }

var statusTexts = map[int]string{200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
	401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 410: "Gone", 413: "Payload Too Large",
	415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
	503: "Service Unavailable", 507: "Insufficient Storage"}

// openAPIDoc is the document, built once per server on first request.
type openAPIDoc struct {
	once sync.Once
	json []byte
}

func (s *Server) bindOpenAPI() {
	doc := &openAPIDoc{}
	s.route(fiber.MethodGet, "/api/v1/openapi.json", Public, func(c *fiber.Ctx) error {
		doc.once.Do(func() { doc.json, _ = json.Marshal(s.OpenAPI()) })
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(doc.json)
	})
}
