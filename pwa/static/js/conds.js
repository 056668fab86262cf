// Which items apply: checklists/conditions.go's rules (testdata/conditions.json runs both).
const FAMILIES = {"broadband":["broadband","宽带","光纤","光宽","ftth","fttb","fttx","fiber","fibre","adsl","internet","专线"],"phone":["phone","固话","电话","座机","landline","pstn","voip"],"iptv":["iptv","itv","电视","机顶盒"],"mobile":["mobile","手机","5g"]}; // checklists/families.json, kept so by TestFamiliesJS

export const families = (product) => {
  const p = String(product || '').toLowerCase();
  return Object.keys(FAMILIES).filter((f) => FAMILIES[f].some((w) => p.includes(w))).sort();
};

// factsOf: what subject conditions judge; null: unknown, they all hold.
export function factsOf(order, store) {
  if (order?.type) return { order_type: order.type, product: order.product || '', customer_tier: order.customer?.tier || '', customer_kind: order.customer?.kind || '' };
  return store ? { store_kind: store.kind || '' } : null;
}

const list = (v) => (v == null ? [] : Array.isArray(v) ? v : [v]);
const BLANK = /^[ \t\n\r\u3000]*$/;

function holds(c, f, ans) {
  if (c.all || c.any) return c.all ? c.all.every((x) => holds(x, f, ans)) : c.any.some((x) => holds(x, f, ans));
  const op = c.op;
  if (c.subject) {
    if (!f) return true;
    const s = c.subject;
    const have = s === 'product' ? families(f.product) : s === 'customer_kind' ? [f.customer_kind || 'residential'] : f[s] ? [f[s]] : [];
    const hit = list(c.value).some((v) => typeof v === 'string' && have.includes(v));
    return op === 'eq' || op === 'in' ? hit : op === 'ne' || op === 'not_in' ? !hit : false;
  }
  if (!c.item) return false;
  const [v, answered] = ans(c.item);
  if (op === 'answered') return answered;
  if (op === 'not_answered') return !answered;
  if (!answered) return false;
  const l = list(c.value);
  if (op === 'eq' || op === 'in') return l.some((w) => typeof w !== 'object' && w === v);
  const b = l[0];
  if (typeof v !== 'number' || l.length !== 1 || typeof b !== 'number') return false;
  return op === 'gt' ? v > b : op === 'gte' ? v >= b : op === 'lt' ? v < b : op === 'lte' ? v <= b : false;
}

// hiddenItems: ids hidden for sheet {answers, photos} and facts, in order; a hidden answer counts as none.
export function hiddenItems(template, sheet, facts) {
  const out = new Set(), type = {};
  const answers = sheet?.answers || {}, photos = sheet?.photos || {};
  const ans = (id) => {
    if (!(id in type) || out.has(id)) return [null, false];
    if (type[id] === 'photo') return [null, (photos[id] || []).length > 0];
    const a = answers[id];
    return [a, a != null && !(type[id] === 'text' && typeof a === 'string' && BLANK.test(a))];
  };
  for (const sec of template?.sections || []) {
    const on = !sec.when || holds(sec.when, facts, ans);
    for (const it of sec.items || []) {
      type[it.id] = it.type;
      if (!on || (it.when && !holds(it.when, facts, ans))) out.add(it.id);
    }
  }
  return out;
}
