// Carbide management console: everything it shows comes from the management API on this port;
// /api/events pushes the whole fleet picture whenever it changes.
'use strict';

const $ = (id) => document.getElementById(id);

/** Builds an element; text is always set as text, never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    credentials: 'same-origin',
    headers: { 'X-Carbide-Console': '1', ...(options.headers || {}) },
  });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401 && !path.startsWith('/api/login')) showLogin('Your session has ended; log in again.');
  return { status: response.status, ok: response.ok, body };
}

function toast(message, bad = false) {
  const el = h('div', { class: 'toast' + (bad ? ' bad' : '') }, message);
  $('toasts').append(el);
  setTimeout(() => el.remove(), bad ? 9000 : 5000);
}

const SYNC_LABELS = {
  'in-sync': 'in sync', behind: 'behind', failed: 'failed', diverged: 'diverged', waiting: 'waiting', manager: 'manager',
  'other-lineage': 'other repository', held: 'held by a rollout', ahead: 'ahead of its managers',
};

/** Repository ids are long; the first 8 characters tell them apart, the title shows the whole. */
function shortId(id) {
  return id ? id.slice(0, 8) : '–';
}

function formatSize(bytes) {
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
  return (bytes / 1024 / 1024).toFixed(1) + ' MB';
}

// ---- log-in ------------------------------------------------------------------------------

let events = null;

function showLogin(message) {
  if (events) { events.close(); events = null; }
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-password').focus();
}

async function logIn(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const { status, body } = await api('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }),
  });
  if (status === 200) {
    $('login-password').value = '';
    showApp(body);
  } else {
    $('login-error').textContent = (body && body.error) || 'Log-in failed (' + status + ')';
  }
}

/** Shows the console to a logged-in user; the actions their role does not allow are hidden (data-needs). */
function showApp(who) {
  $('login').hidden = true;
  $('app').hidden = false;
  $('user-name').textContent = who.user;
  $('user-name').title = `role: ${who.role}`;
  document.body.dataset.may = (who.may || []).join(' ');
  connect();
  loadConfigurations();
  startPolling();
}

// ---- live updates ------------------------------------------------------------------------

let lastRevision = -1;

function connect() {
  if (events) events.close();
  events = new EventSource('/api/events');
  events.addEventListener('fleet', (e) => {
    setLive(true);
    render(JSON.parse(e.data));
  });
  events.onerror = async () => {
    setLive(false);
    const check = await api('/api/login');
    if (check.status === 401) showLogin('Your session has ended; log in again.');
  };
}

function setLive(on) {
  $('live').classList.toggle('off', !on);
  $('live').querySelector('span').textContent = on ? 'live' : 'reconnecting';
}

function render(fleet) {
  $('domain').textContent = fleet.domain;
  $('self-node').textContent = fleet.node;
  const banner = $('authority-banner');
  if (!fleet.selfIsAuthority) {
    banner.hidden = false;
    banner.replaceChildren('Changes here are not recorded. ', fleet.notRecording || '',
      fleet.authorityUrl ? h('span', {}, ' ', h('a', { href: fleet.authorityUrl + '/console/' }, `Open the console of ${fleet.authority}`)) : '');
  } else {
    banner.hidden = true;
  }
  renderTiles(fleet);
  renderCluster(fleet);
  renderArtifacts(fleet);
  $('repository-disk').textContent = fleet.repositoryBytes >= 0
    ? `The repository takes ${formatSize(fleet.repositoryBytes)} on this manager's disk;` : '';
  if (fleet.revision !== lastRevision) {
    lastRevision = fleet.revision;
    loadHistory();
    loadConfigurations();
  }
}

function renderTiles(fleet) {
  const workers = fleet.members.filter((m) => m.runsArtifacts);
  const managers = fleet.members.filter((m) => m.subDomains.includes('mgt'));
  $('tile-members').textContent = fleet.members.length;
  $('tile-members-detail').textContent = `${workers.length} running artifacts, ${managers.length} managing`;
  // a worker a staged rollout holds back is where it should be
  const inSync = workers.filter((m) => m.sync === 'in-sync' || m.sync === 'held').length;
  $('tile-sync').textContent = `${inSync} / ${workers.length}`;
  const behind = workers.filter((m) => m.sync === 'behind').length;
  const failed = workers.filter((m) => m.sync === 'failed').length;
  const diverged = workers.filter((m) => m.sync === 'diverged').length;
  const other = workers.filter((m) => m.sync === 'other-lineage').length;
  const ahead = workers.filter((m) => m.sync === 'ahead').length;
  $('tile-sync-detail').textContent = [behind && `${behind} behind`, failed && `${failed} failed`,
    diverged && `${diverged} diverged`, ahead && `${ahead} run changes the managers lost`,
    other && `${other} follow another repository`].filter(Boolean).join(', ');
  $('tile-revision').textContent = fleet.revision;
  $('tile-authority').textContent = `repository ${shortId(fleet.repositoryId)}, `
    + (fleet.authority ? `authority ${fleet.authority}` : 'no authority');
  $('tile-authority').title = fleet.repositoryId;
  const consensus = fleet.managers;
  if (consensus) {
    const up = consensus.members.filter((m) => m.role !== 'unreachable').length;
    $('tile-managers').textContent = `${up} / ${consensus.members.length}`;
    // without a leader the manager says why (an election under way, or no majority): its words, not a guess here
    $('tile-managers-detail').textContent = consensus.quorum
      ? `leader ${consensus.leader}, term ${consensus.term}, commit ${consensus.commitIndex}`
      : consensus.problem;
  }
  $('tile-artifacts').textContent = fleet.artifacts.length;
  $('tile-refused').textContent = fleet.refused.length ? `${fleet.refused.length} refused` : '';
}

function syncBadge(member) {
  let label = SYNC_LABELS[member.sync] || member.sync;
  if (member.sync === 'behind') label = `behind by ${member.behind}`;
  if (member.sync === 'failed') label = `failed (${member.failed})`;
  const title = member.sync === 'other-lineage'
    ? `follows repository ${member.repositoryId}, not this manager's: nothing recorded here reaches it`
    : member.sync === 'ahead' ? member.lostChanges : member.sync;
  return h('span', { class: 'badge ' + member.sync, 'data-sync': member.sync, title }, label);
}

function renderCluster(fleet) {
  const rows = fleet.members.map((m) => h('tr', { 'data-node': m.name },
    h('td', {}, h('span', { class: 'node-name' }, m.name),
      m.self ? h('span', { class: 'tag' }, 'this node') : null,
      m.authority ? h('span', { class: 'tag authority' }, 'authority') : null,
      m.managerRole && !m.authority ? h('span', { class: 'tag', 'data-manager-role': m.managerRole }, m.managerRole) : null),
    h('td', {}, m.subDomains.join(' + ')),
    h('td', {}, m.profile),
    h('td', {}, m.version),
    h('td', { class: 'mono', title: m.repositoryId || 'follows no repository yet', 'data-repository': m.repositoryId || '' },
      m.runsArtifacts ? shortId(m.repositoryId) : '–'),
    h('td', { class: 'num' }, m.revision === null ? '–' : m.revision),
    h('td', {}, syncBadge(m), ...(m.diverged || []).map((line) => h('div', { class: 'error small' }, line)),
      m.lostChanges ? h('div', { class: 'error small' }, m.lostChanges) : null,
      ...(m.ignored || []).map((line) => h('div', { class: 'muted small' }, line))),
    h('td', {}, h('button', { class: 'quiet', onclick: () => showBundles(m.name) }, 'Bundles'))));
  $('cluster-table').tBodies[0].replaceChildren(...rows);
}

function renderArtifacts(fleet) {
  const rows = fleet.artifacts.map((a) => h('tr', { 'data-artifact': a.name },
    h('td', {}, h('span', { class: 'node-name' }, a.name)),
    h('td', {}, a.type),
    h('td', { class: 'num' }, a.revision),
    h('td', { class: 'num' }, formatSize(a.size)),
    h('td', {}, h('div', { class: 'pills' }, a.nodes.length === 0
      ? h('span', { class: 'muted' }, 'no workers')
      : a.nodes.map((n) => h('span', {
        class: 'badge ' + n.state, 'data-node': n.node, 'data-state': n.state, title: n.reason || n.state,
      }, `${n.node}: ${n.state}`)))),
    h('td', {}, undeployButton(a.name))));
  $('artifacts-table').tBodies[0].replaceChildren(...rows);
  $('artifacts-table').hidden = fleet.artifacts.length === 0;
  $('artifacts-empty').hidden = fleet.artifacts.length !== 0;
  $('refused').hidden = fleet.refused.length === 0;
  $('refused-list').replaceChildren(...fleet.refused.map((r) => h('li', {}, h('b', {}, r.name), ': ', r.reason)));
}

const confirming = new Set();

function undeployButton(name) {
  const armed = confirming.has(name);
  return h('button', {
    class: 'danger' + (armed ? ' confirm' : ''), 'data-undeploy': name, 'data-needs': 'deploy',
    onclick: async (e) => {
      if (!confirming.has(name)) {
        confirming.add(name);
        e.target.classList.add('confirm');
        e.target.textContent = 'Confirm undeploy';
        setTimeout(() => confirming.delete(name), 5000);
        return;
      }
      confirming.delete(name);
      e.target.disabled = true;
      const { ok, body } = await api('/api/artifacts/' + encodeURIComponent(name), { method: 'DELETE' });
      toast(ok ? `${name} undeployed (revision ${body.revision})` : `Could not undeploy ${name}: ${body && body.error}`, !ok);
    },
  }, armed ? 'Confirm undeploy' : 'Undeploy');
}

// ---- upload ------------------------------------------------------------------------------

function chosenFile() {
  return $('upload-file').files[0];
}

function fileChosen() {
  const file = chosenFile();
  $('drop-text').textContent = file ? `${file.name} (${formatSize(file.size)})` : 'Drop a .jar, .zip or .cfg here, or choose one';
  $('upload-submit').disabled = !file;
}

function upload(event) {
  event.preventDefault();
  const file = chosenFile();
  if (!file) return;
  const request = new XMLHttpRequest();
  request.open('PUT', '/api/artifacts/' + encodeURIComponent(file.name));
  request.setRequestHeader('X-Carbide-Console', '1');
  request.setRequestHeader('Content-Type', 'application/octet-stream');
  const progress = $('upload-progress');
  progress.hidden = false;
  progress.value = 0;
  $('upload-submit').disabled = true;
  request.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; };
  request.onloadend = () => {
    progress.hidden = true;
    let body = {};
    try { body = JSON.parse(request.responseText); } catch (e) { body = { error: request.statusText || 'no answer' }; }
    if (request.status >= 200 && request.status < 300) {
      toast(`${file.name} ${body.change || 'uploaded'} at revision ${body.revision}`);
      $('upload-form').reset();
      fileChosen();
    } else if (request.status === 401) {
      showLogin('Your session has ended; log in again.');
    } else {
      toast(`${file.name} was refused: ${body.error}`, true);
      $('upload-submit').disabled = false;
    }
  };
  request.send(file);
}

function setUpDropZone() {
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files.length) {
      $('upload-file').files = e.dataTransfer.files;
      fileChosen();
    }
  });
}

// ---- configuration -----------------------------------------------------------------------

async function loadConfigurations() {
  const { ok, body } = await api('/api/config');
  if (!ok) return;
  const select = $('config-pid');
  const chosen = select.value;
  select.replaceChildren(h('option', { value: '' }, 'Choose a configuration'),
    ...body.configurations.map((c) => h('option', { value: c.pid }, `${c.pid} (${c.artifact})`)));
  select.value = body.configurations.some((c) => c.pid === chosen) ? chosen : '';
}

function propertyRow(key = '', value = '') {
  return h('tr', {},
    h('td', {}, h('input', { class: 'config-key', value: key, placeholder: 'name' })),
    h('td', {}, h('input', { class: 'config-value', value: String(value), placeholder: 'value' })),
    h('td', {}, h('button', { class: 'quiet', 'data-needs': 'configure', onclick: (e) => e.target.closest('tr').remove() }, 'Remove')));
}

async function editConfiguration(pid) {
  if (!pid) { $('config-editor').hidden = true; return; }
  const { status, body } = await api('/api/config/' + encodeURIComponent(pid));
  const properties = status === 200 ? body.properties : {};
  $('config-editing').textContent = pid;
  $('config-artifact').textContent = status === 200 ? `from ${body.artifact}, revision ${body.revision}` : '(new)';
  $('config-rows').replaceChildren(...Object.entries(properties).map(([k, v]) => propertyRow(k, v)));
  if (!Object.keys(properties).length) $('config-rows').append(propertyRow());
  $('config-save').disabled = status === 200 && !body.editable;
  $('config-editor').hidden = false;
}

async function saveConfiguration() {
  const pid = $('config-editing').textContent;
  const properties = {};
  for (const row of $('config-rows').rows) {
    const key = row.querySelector('.config-key').value.trim();
    if (key) properties[key] = row.querySelector('.config-value').value;
  }
  const { ok, body } = await api('/api/config/' + encodeURIComponent(pid), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ properties }),
  });
  toast(ok ? `${pid} saved (${body.change}, revision ${body.revision}); replicating to the workers` : `${pid} was not saved: ${body && body.error}`, !ok);
  if (ok) { await loadConfigurations(); $('config-pid').value = pid; editConfiguration(pid); }
}

// ---- history and bundles -----------------------------------------------------------------

function historyWhat(c) {
  if (c.kind === 'rollback') return `${c.name} ${c.change === 'removed' ? 'removed' : 'restored'} by the rollback to #${c.rollbackTo}`;
  return `${c.name} ${c.change === 'removed' ? 'removed' : 'stored'}`;
}

function formatTime(at) {
  if (!at) return '';
  const d = new Date(at);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

/** Every row brings its revision back in one step, once the operator confirms. */
async function loadHistory() {
  const { ok, body } = await api('/api/history?limit=25');
  if (!ok) return;
  $('history-retained').textContent = body.retainedFrom > 1
    ? `revisions before #${body.retainedFrom} are no longer kept.` : 'every revision is kept.';
  $('history').replaceChildren(...body.changes.map((c) => h('li', {},
    h('span', { class: 'rev' }, '#' + c.revision),
    h('span', { class: 'what' + (c.change === 'removed' ? ' removed' : '') }, historyWhat(c)),
    c.revision === body.revision ? h('span', { class: 'muted current' }, 'current')
      : c.revision < body.retainedFrom ? h('span', { class: 'muted current' }, 'not kept')
      : h('button', { class: 'quiet small', 'data-needs': 'deploy', title: `Bring back what revision ${c.revision} held`,
        onclick: () => rollBack(c.revision) }, 'Roll back here'),
    h('span', { class: 'muted meta' }, `${c.by} · ${formatTime(c.at)}`))));
}

async function rollBack(revision) {
  if (!confirm(`Roll every node back to what revision #${revision} held? This records a new revision.`)) return;
  const { ok, body } = await api('/api/rollback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ revision }),
  });
  toast(ok ? body.message : `No rollback: ${body && body.error}`, !ok);
}

async function showBundles(node) {
  $('bundles-title').textContent = `Bundles of ${node}`;
  $('bundles-rows').replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Asking the node…')));
  $('bundles-dialog').showModal();
  const { ok, body } = await api('/api/nodes/' + encodeURIComponent(node));
  if (!ok) {
    $('bundles-rows').replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'error' }, body && body.error)));
    return;
  }
  $('bundles-rows').replaceChildren(...body.bundles.map((b) => h('tr', {},
    h('td', { class: 'num' }, b.id), h('td', {}, b.symbolicName), h('td', {}, b.version),
    h('td', {}, h('span', { class: 'badge ' + (b.state === 'ACTIVE' ? 'active' : 'pending') }, b.state)),
    h('td', {}, b.roles))));
}

// ---- load and the staged rollout: asked every 2 s, like the nodes send their load ---------

let pollTimer = null;

function startPolling() {
  polls = 0;
  if (pollTimer) clearInterval(pollTimer);
  poll();
  pollTimer = setInterval(poll, 2000);
}

let polls = 0;

async function poll() {
  if ($('app').hidden) return;
  const audit = (polls++ % 10 === 0) && document.body.dataset.may.split(' ').includes('manage-users');
  await Promise.all([loadCharts(), loadRollout(), audit ? loadAudit() : null]);
}

/** The audit trail of every manager, newest first, as an admin filters it. */
async function loadAudit() {
  const query = new URLSearchParams({ limit: '50' });
  if ($('audit-user').value.trim()) query.set('user', $('audit-user').value.trim());
  if ($('audit-kind').value) query.set('kind', $('audit-kind').value);
  const { ok, body } = await api('/api/audit?' + query);
  if (!ok) return;
  $('audit-table').tBodies[0].replaceChildren(...body.entries.map((e) => h('tr', { 'data-kind': e.kind },
    h('td', {}, formatTime(e.at)), h('td', {}, e.user || '–'), h('td', { class: 'mono' }, e.address),
    h('td', {}, `${e.kind}${e.target ? ' ' + e.target : ''}`,
      Object.keys(e.detail || {}).length ? h('div', { class: 'muted small' },
        Object.entries(e.detail).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : JSON.stringify(v)}`).join(' · ')) : ''),
    h('td', {}, h('span', { class: 'badge ' + (e.outcome === 'ok' ? 'active' : 'failed') }, `${e.outcome} ${e.status}`)),
    h('td', {}, e.manager))));
  $('audit-unreachable').textContent = body.unreachable.length ? `Not answering: ${body.unreachable.join(', ')}` : '';
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  return seconds < 1 ? `${Math.round(seconds * 1000 * 10) / 10} ms` : `${seconds.toFixed(2)} s`;
}

/** A line over the chart's width, scaled to its own maximum (each series has its own axis). */
function line(points, value, width, height, cls) {
  const values = points.map(value);
  const max = Math.max(...values.filter((v) => v !== null), 0);
  const scale = max > 0 ? (height - 8) / max : 0;
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const d = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(height - 4 - (v || 0) * scale).toFixed(1)}`).join(' ');
  return svg('path', { d, class: cls });
}

async function loadCharts() {
  const charts = [];
  for (const name of ['worker', 'mgt']) {
    const { ok, body } = await api(`/api/subdomains/${name}/load`);
    if (!ok) continue;
    const width = 300;
    const height = 90;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
      'aria-label': `${name} requests per second and p99 latency over the last minutes` });
    const points = body.series || [];
    if (points.length > 0) {
      chart.append(line(points, (p) => p.requestsPerSecond, width, height, 'rps'),
        line(points, (p) => p.p99Seconds, width, height, 'p99'));
    }
    charts.push(h('div', { class: 'load-chart', 'data-subdomain': name },
      h('h3', {}, `${name} sub-domain · ${body.nodes} node${body.nodes === 1 ? '' : 's'}`),
      h('div', { class: 'load-figures' },
        h('span', { class: 'legend-rps' }, h('b', { 'data-figure': 'rps' }, body.requestsPerSecond.toFixed(1)), ' req/s'),
        h('span', { class: 'legend-p99' }, 'p99 ', h('b', {}, formatSeconds(body.p99Seconds))),
        h('span', {}, 'errors ', h('b', {}, body.serverErrorsPerSecond.toFixed(1)), '/s'),
        h('span', {}, 'CPU ', h('b', {}, body.cpu === null ? '–' : `${Math.round(body.cpu * 100)}%`))),
      chart));
  }
  if (charts.length) $('load-charts').replaceChildren(...charts);
}

async function loadRollout() {
  const { ok, body } = await api('/api/rollout');
  if (!ok) return;
  const rollout = body.rollout;
  const card = $('rollout-card');
  // an ended rollout stays on show for a minute, so whoever looks sees how it ended
  if (!rollout || (!['running', 'paused'].includes(rollout.state) && Date.now() - rollout.updatedAt > 60000)) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  card.dataset.state = rollout.state;
  $('rollout-summary').replaceChildren(h('span', { class: 'badge ' + rollout.state, id: 'rollout-state' }, rollout.state), ' ',
    h('b', {}, rollout.artifact), ` revision ${rollout.toRevision}, wave ${rollout.wave} of ${rollout.waveCount}, `
      + `settle ${rollout.settleSeconds} s, halts above ${Math.round(rollout.maxErrorRate * 1000) / 10}% errors`,
    rollout.reason ? h('div', { class: rollout.state === 'paused' ? 'muted' : 'error' }, rollout.reason) : '');
  $('rollout-waves').replaceChildren(...rollout.waves.map((wave) => h('div', { class: 'wave' + (wave.admitted ? ' admitted' : '') },
    h('h3', {}, wave.wave === 1 ? 'canary' : `wave ${wave.wave}`),
    ...wave.nodes.map((n) => h('div', { 'data-node': n.node }, h('span', {}, n.node),
      h('span', { class: 'badge ' + n.state.replace(' ', '-'), title: n.reason || '' }, n.state))))));
  const active = ['running', 'paused'].includes(rollout.state);
  $('rollout-pause').hidden = rollout.state !== 'running';
  $('rollout-resume').hidden = rollout.state !== 'paused';
  $('rollout-abort').hidden = !active;
}

async function steerRollout(action) {
  if (action === 'abort' && !confirm('Abort the rollout and roll back the workers that have the change?')) return;
  const { ok, body } = await api('/api/rollout/' + action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  if (ok) toast(`Rollout ${body.rollout.state}`);
  else toast((body && body.error) || `The rollout was not changed`, true);
  loadRollout();
}

// ---- password ----------------------------------------------------------------------------

async function changePassword(event) {
  event.preventDefault();
  const password = $('password-new').value;
  if (password !== $('password-again').value) {
    $('password-error').textContent = 'The two passwords differ.';
    return;
  }
  const user = $('user-name').textContent;
  const { ok, body } = await api('/api/users/' + encodeURIComponent(user), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (!ok) {
    $('password-error').textContent = (body && body.error) || 'The password was not changed.';
    return;
  }
  $('password-dialog').close();
  toast(`Password of ${user} changed`);
}

function openPasswordDialog() {
  $('password-form').reset();
  $('password-error').textContent = '';
  $('password-dialog').showModal();
}

// ---- start -------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', async () => { await api('/api/logout', { method: 'POST' }); showLogin('Logged out.'); });
  $('upload-file').addEventListener('change', fileChosen);
  $('upload-form').addEventListener('submit', upload);
  setUpDropZone();
  $('config-pid').addEventListener('change', (e) => editConfiguration(e.target.value));
  $('config-new').addEventListener('click', () => { const pid = $('config-new-pid').value.trim(); if (pid) editConfiguration(pid); });
  $('config-add').addEventListener('click', () => $('config-rows').append(propertyRow()));
  $('config-save').addEventListener('click', saveConfiguration);
  $('bundles-close').addEventListener('click', () => $('bundles-dialog').close());
  $('password-open').addEventListener('click', openPasswordDialog);
  $('password-cancel').addEventListener('click', () => $('password-dialog').close());
  $('password-form').addEventListener('submit', changePassword);
  $('audit-refresh').addEventListener('click', loadAudit);
  $('audit-kind').addEventListener('change', loadAudit);
  $('audit-user').addEventListener('change', loadAudit);
  $('rollout-pause').addEventListener('click', () => steerRollout('pause'));
  $('rollout-resume').addEventListener('click', () => steerRollout('resume'));
  $('rollout-abort').addEventListener('click', () => steerRollout('abort'));
  const { status, body } = await api('/api/login');
  if (status === 200) showApp(body); else showLogin();
});
