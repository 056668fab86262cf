// An agent's own reviews (我的监听记录): the score, the items lost, the
// improvement notes and the recording. Online only; an agent sees nothing of
// anyone else's calls (the server answers only their own).
import { h } from '../js/dom.js';
import { addStrings, t, fmtTime } from '../js/i18n.js';
import { api, authedFetch, ApiError } from '../js/api.js';
import { pct, gradeBadge, lostList, style } from './qa-words.js';

addStrings({
  qa_mine: '我的监听记录', qa_mine_none: '还没有对您通话的监听记录', qa_mine_back: '← 我的监听记录', qa_mine_home: '← 回访队列',
  qa_mine_call: '{t} 的回访通话',
}, {
  qa_mine: 'My call reviews', qa_mine_none: 'None of your calls has been reviewed yet', qa_mine_back: '← My call reviews', qa_mine_home: '← Callback queue',
  qa_mine_call: 'Your call of {t}',
});

const errText = (e) => (e instanceof ApiError ? e.body?.error?.message || t('error') : t('server_unreachable'));

export async function myReviews(ui) {
  style();
  const main = ui.main;
  let list;
  try { list = await api('GET', '/qa/reviews?limit=100'); } catch (e) { main.append(h('p', { class: 'err' }, errText(e))); return; }
  main.append(h('div', { class: 'qa-wrap', id: 'qa-mine' },
    h('div', { class: 'row' }, h('a', { href: '/', 'data-link': '', class: 'btn small' }, t('qa_mine_home'))),
    h('h2', null, t('qa_mine')),
    list.items.length ? h('div', { class: 'cards' }, list.items.map((r) => h('a', { class: 'card qa-item', href: '/my/reviews/' + encodeURIComponent(r.id), 'data-link': '', 'data-review': r.id },
      h('div', null, h('b', null, t('qa_points', { n: pct(r.result.percent) })), ' ', gradeBadge(r.result),
        h('div', { class: 'small muted' }, `${r.day} · ${t('type_' + r.call.order_type)} · ${t('qa_mode_' + r.mode)}`),
        r.improvement ? h('div', { class: 'small' }, r.improvement) : null))))
      : h('p', { class: 'muted' }, t('qa_mine_none'))));
}

export async function myReview(ui, id) {
  style();
  const main = ui.main;
  let r;
  try { r = await api('GET', '/qa/reviews/' + encodeURIComponent(id)); } catch (e) { main.append(h('p', { class: 'err' }, errText(e))); return; }
  const audio = h('div', { id: 'qa-audio-box' });
  if (r.audio) {
    const btn = h('button', { type: 'button', class: 'btn small' }, t('qa_audio'));
    btn.addEventListener('click', async () => {
      try {
        const res = await authedFetch('/qa/reviews/' + encodeURIComponent(r.id) + '/audio');
        if (!res.ok) throw new ApiError(res.status, null);
        audio.replaceChildren(h('audio', { controls: true, src: URL.createObjectURL(await res.blob()) }));
      } catch (e) { audio.replaceChildren(h('p', { class: 'err' }, errText(e))); }
    });
    audio.append(btn);
  } else if (r.audio_url) {
    audio.append(h('a', { href: r.audio_url, target: '_blank', rel: 'noopener noreferrer', class: 'btn small' }, t('qa_audio_link')));
  }
  main.append(h('div', { class: 'qa-wrap', id: 'qa-mine-one' },
    h('div', { class: 'row' }, h('a', { href: '/my/reviews', 'data-link': '', class: 'btn small' }, t('qa_mine_back'))),
    h('h2', null, t('qa_mine_call', { t: fmtTime(r.call.called_at) })),
    h('section', { class: 'card' },
      h('p', null, h('span', { class: 'qa-score', id: 'qa-mine-score' }, t('qa_points', { n: pct(r.result.percent) })), ' ', gradeBadge(r.result)),
      h('p', { class: 'small muted' }, `${t('qa_reviewer')} · ${t('qa_mode_' + r.mode)} · ${r.day} · ${t('type_' + r.call.order_type)} · ${t('qa_out_' + r.call.outcome)}`),
      h('h4', null, t('qa_improvement')),
      h('p', { id: 'qa-mine-improvement' }, r.improvement || t('qa_no_lost')),
      r.answers?.strengths ? [h('h4', null, t('qa_strengths')), h('p', null, r.answers.strengths)] : null,
      lostList(r),
      audio)));
}
