// Package names owns the display names of the codes the rest of the system
// keys on: units (单位: 地市分公司 → 区县/代理公司 → 班组, each unit may name
// its parent), products (宽带, 宽带+IPTV …) and roles (技术员 …), in zh and
// en. People are named by their user record (auth.User.Name); this package
// only chooses which people a caller may see named.
//
// A screen never shows `chengdu-east`, `broadband+iptv`, `technician` or
// `tech.li` when a name is known: the PWA reads a Book from GET /api/v1/names
// and from sync/pull pages (pwa/static/js/names.js). Business identifiers
// (工单号, store codes) are not names and stay as they are.
//
// It owns store.BucketNames (kind 0x00 code → Name) and writes nothing else
// except its audit entries and a "names" change in the sync feed (ScopeAll),
// so a phone's next pull knows the names changed. Built-in role and product
// names (defaults.go) apply where the admin has set none.
package names
