package names

// Kinds of code that carry a display name.
const (
	KindUnit    = "unit"
	KindProduct = "product"
	KindRole    = "role"
)

// ValidKind reports whether k is unit, product or role.
func ValidKind(k string) bool { return k == KindUnit || k == KindProduct || k == KindRole }

// defaultRoles names every role auth knows, and qa (品质保障员), which is
// coming: a name may exist before its role does.
var defaultRoles = map[string]Label{
	"technician": {Zh: "技术员", En: "Technician"},
	"inspector":  {Zh: "巡检员", En: "Inspector"},
	"agent":      {Zh: "回访坐席", En: "Callback agent"},
	"supervisor": {Zh: "主管", En: "Supervisor"},
	"admin":      {Zh: "管理员", En: "Admin"},
	"qa":         {Zh: "品质保障员", En: "QA reviewer"},
}

// defaultProducts names the product codes the demo, the tests and the usual
// CSV exports use. Orders imported with a Chinese product (宽带) need no
// name: the code already is one.
var defaultProducts = map[string]Label{
	"broadband":            {Zh: "宽带", En: "Broadband"},
	"broadband+iptv":       {Zh: "宽带+IPTV", En: "Broadband + IPTV"},
	"iptv":                 {Zh: "IPTV", En: "IPTV"},
	"phone":                {Zh: "固话", En: "Landline"},
	"phone+broadband":      {Zh: "固话+宽带", En: "Landline + Broadband"},
	"broadband+phone":      {Zh: "宽带+固话", En: "Broadband + landline"},
	"phone+broadband+iptv": {Zh: "固话+宽带+IPTV", En: "Landline + Broadband + IPTV"},
	"broadband+phone+iptv": {Zh: "宽带+固话+IPTV", En: "Broadband + landline + IPTV"},
	"mobile+broadband":     {Zh: "手机+宽带", En: "Mobile + Broadband"},
	"fttr":                 {Zh: "全屋光纤（FTTR）", En: "Fibre to the room (FTTR)"},
	"broadband+fttr":       {Zh: "宽带+全屋光纤", En: "Broadband + FTTR"},
	"leased_line":          {Zh: "专线", En: "Leased line"},
}

func defaults(kind string) map[string]Label {
	switch kind {
	case KindRole:
		return defaultRoles
	case KindProduct:
		return defaultProducts
	}
	return nil
}
