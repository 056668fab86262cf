// Generated from checklists/families.json by TestFamiliesJS (FC_UPDATE=1 go test ./checklists -run TestFamiliesJS): the
// words naming each product family, shared with the server (checklists.Families).
export default {
  "broadband": ["broadband", "宽带", "光纤", "光宽", "ftth", "fttb", "fttx", "fiber", "fibre", "adsl", "internet", "专线"],
  "phone": ["phone", "固话", "电话", "座机", "landline", "pstn", "voip"],
  "iptv": ["iptv", "itv", "电视", "机顶盒"],
  "mobile": ["mobile", "手机", "5g"]
};
