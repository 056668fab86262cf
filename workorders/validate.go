package workorders

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"fieldcheck/errs"

	bolt "go.etcd.io/bbolt"
)

// Limits on what an order may carry.
const (
	MaxIDLen        = 64
	MaxTextLen      = 500    // names, addresses, products, notes (characters)
	MaxMbps         = 100000 // 100 Gbps: anything above is a typo
	maxWindowLength = 31 * 24 * 60 * 60
)

var (
	// 中国大陆手机号: 1[3-9] and nine more digits.
	mobileRe = regexp.MustCompile(`^1[3-9]\d{9}$`)
	// 固定电话 with area code (区号 010, 028, 0755 …), optional extension (分机).
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
	// Broadband products name the service; everything else (固话, IPTV) has no
	// subscribed rate to test against.
	broadbandWords = []string{"broadband", "宽带", "光纤", "光宽", "ftth", "fttb", "fttx", "fiber", "fibre", "adsl", "internet", "专线"}
)

// IsBroadband reports whether product names a broadband service, whose
// install, move or repair ends with a speed test (seed 004 第二十八条).
func IsBroadband(product string) bool {
	p := strings.ToLower(product)
	for _, w := range broadbandWords {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// ValidID reports whether id may name an order or a store: 1–64 characters,
// no surrounding spaces, no control characters, nothing that breaks a URL path.
func ValidID(id string) bool {
	if id == "" || utf8.RuneCountInString(id) > MaxIDLen || !utf8.ValidString(id) || strings.TrimSpace(id) != id {
		return false
	}
	for _, r := range id {
		if unicode.IsControl(r) || strings.ContainsRune(`/\?#%`, r) {
			return false
		}
	}
	return true
}

// NormalizePhone strips spaces and a +86 country code from a mobile number.
func NormalizePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u3000' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if t, ok := strings.CutPrefix(s, "+86"); ok {
		s = strings.TrimPrefix(t, "-")
	}
	return s
}

// ValidPhone reports whether s is a Chinese mobile number or a landline with
// its area code.
func ValidPhone(s string) bool { return mobileRe.MatchString(s) || landlineRe.MatchString(s) }

func validType(t string) bool {
	switch t {
	case TypeInstall, TypeMove, TypeRepair, TypeRemoval, TypeComplaint:
		return true
	}
	return false
}

func validTier(t string) bool { return t == TierVIP || t == TierHighValue || t == TierStandard }

// needsRate: a broadband install, move or repair ends with a speed test judged
// against the subscribed rate, so the rate must be known. Complaints and
// removals have no test (product decision).
func needsRate(wo *WorkOrder) bool {
	switch wo.Type {
	case TypeInstall, TypeMove, TypeRepair:
		return IsBroadband(wo.Product)
	}
	return false
}

// clean trims the free-text fields and normalises the phone number in place.
func clean(wo *WorkOrder) {
	wo.Product = strings.TrimSpace(wo.Product)
	wo.Technician = strings.TrimSpace(wo.Technician)
	wo.Customer.Name = strings.TrimSpace(wo.Customer.Name)
	wo.Customer.Address = strings.TrimSpace(wo.Customer.Address)
	wo.Customer.Tier = strings.TrimSpace(wo.Customer.Tier)
	wo.Customer.Phone = NormalizePhone(wo.Customer.Phone)
	wo.Note = strings.TrimSpace(wo.Note)
	wo.Line = strings.TrimSpace(wo.Line)
	wo.Customer.Kind = strings.TrimSpace(wo.Customer.Kind)
}

func textOK(v *errs.Validation, path, s string) {
	if utf8.RuneCountInString(s) > MaxTextLen {
		v.Add(path, fmt.Sprintf("不能超过 %d 个字", MaxTextLen), fmt.Sprintf("must be at most %d characters", MaxTextLen))
	}
}

// validate checks an order as a client sent it (after clean) and, when
// checkTech, that its technician is an active technician, whose unit it
// returns: it becomes the order's unit.
func validate(tx *bolt.Tx, wo *WorkOrder, checkTech bool) (unit string, err error) {
	var v errs.Validation
	if !ValidID(wo.ID) {
		v.Add("id", fmt.Sprintf("工单号必填，最多 %d 个字符，不能含控制字符、斜杠、?、#、%%", MaxIDLen),
			fmt.Sprintf("id is required: at most %d characters, no control characters, slashes, ?, # or %%", MaxIDLen))
	}
	if !validType(wo.Type) {
		v.Add("type", "类型须为 install、move、repair、removal 或 complaint",
			"type must be one of install, move, repair, removal, complaint")
	}
	textOK(&v, "product", wo.Product)
	switch {
	case math.IsNaN(wo.SubscribedMbps) || math.IsInf(wo.SubscribedMbps, 0) || wo.SubscribedMbps < 0 || wo.SubscribedMbps > MaxMbps:
		v.Add("subscribed_mbps", fmt.Sprintf("签约速率须在 0 到 %d Mbps 之间", MaxMbps),
			fmt.Sprintf("subscribed_mbps must be between 0 and %d", MaxMbps))
	case wo.SubscribedMbps == 0 && needsRate(wo):
		v.Add("subscribed_mbps", "宽带装移修工单须填写签约速率（大于 0）",
			"subscribed_mbps must be > 0 for a broadband install, move or repair")
	}
	if wo.Customer.Name == "" {
		v.Add("customer.name", "请填写客户姓名", "customer.name is required")
	}
	textOK(&v, "customer.name", wo.Customer.Name)
	if !ValidPhone(wo.Customer.Phone) {
		v.Add("customer.phone", "联系电话须为手机号（1 开头 11 位）或带区号的固定电话",
			"customer.phone must be a mobile number (11 digits starting 13–19) or a landline with its area code")
	}
	if wo.Customer.Address == "" && wo.Type != TypeComplaint {
		v.Add("customer.address", "上门工单须填写客户地址", "customer.address is required for a home visit")
	}
	textOK(&v, "customer.address", wo.Customer.Address)
	if !validTier(wo.Customer.Tier) {
		v.Add("customer.tier", "客户等级须为 vip、high_value 或 standard",
			"customer.tier must be one of vip, high_value, standard")
	}
	if k := wo.Customer.Kind; k != "" && k != KindResidential && k != KindEnterprise {
		v.Add("customer.kind", "客户类型须为 residential（公众）或 enterprise（政企）",
			"customer.kind must be residential or enterprise")
	}
	if utf8.RuneCountInString(wo.Line) > MaxLineLen {
		v.Add("line", fmt.Sprintf("线路类型不能超过 %d 个字", MaxLineLen), fmt.Sprintf("line must be at most %d characters", MaxLineLen))
	}
	textOK(&v, "note", wo.Note)
	validateWindow(&v, wo)
	if wo.Technician == "" {
		v.Add("technician", "请指派装维人员", "technician is required")
	} else if checkTech {
		p, ok, err := activeTechnician(tx, wo.Technician)
		if err != nil {
			return "", err
		}
		if !ok {
			v.Add("technician", "装维人员不存在、已停用或不是装维角色",
				"technician must be an existing, active user with the technician role")
		} else {
			unit = p.Unit
		}
	}
	return unit, v.Err()
}

// validateWindow: every home visit has an appointment (预约); a complaint may
// have none, but a window it has must be sane.
func validateWindow(v *errs.Validation, wo *WorkOrder) {
	a := wo.Appointment
	if a.From.IsZero() && a.To.IsZero() {
		if wo.Type != TypeComplaint {
			v.Add("appointment", "上门工单须填写预约时间", "appointment is required for a home visit")
		}
		return
	}
	switch {
	case a.From.IsZero():
		v.Add("appointment.from", "请填写预约开始时间", "appointment.from is required")
	case a.To.IsZero():
		v.Add("appointment.to", "请填写预约结束时间", "appointment.to is required")
	case !a.From.Before(a.To):
		v.Add("appointment.to", "预约结束时间须晚于开始时间", "appointment.to must be after appointment.from")
	case a.To.Sub(a.From).Seconds() > maxWindowLength:
		v.Add("appointment.to", "预约时段不能超过 31 天", "the appointment window must be at most 31 days")
	}
}
