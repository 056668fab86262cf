// The agent's screens (registered with roles.js).
import { register, ui } from './roles.js';
import { h } from './dom.js';

register({
  roles: ['agent'],
  home: async function agentHome() { ui.main.append(h('h2', null, 'agent')); },
  routes: [],
});
