// The sample's page: plain DOM, fetch and EventSource; no build step.
'use strict';

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

const time = (iso) => {
  if (!iso) return '';
  const date = new Date(iso);
  return date.toLocaleTimeString([], { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
};

// ---- todos and users -------------------------------------------------------------------

async function loadTodos() {
  const todos = await api('GET', '/api/todos');
  const list = $('#todos');
  list.replaceChildren(...todos.map((todo) => el('li', { class: todo.done ? 'done' : '', 'data-id': todo.id },
    el('input', {
      type: 'checkbox', checked: todo.done, title: 'Done',
      onchange: (event) => api('PATCH', `/api/todos/${todo.id}`, { done: event.target.checked }).then(loadTodos),
    }),
    el('span', { class: 'title', text: todo.title }),
    el('span', { class: 'owner', text: todo.owner }),
    el('button', {
      class: 'remove', type: 'button', title: 'Delete', text: '×',
      onclick: () => api('DELETE', `/api/todos/${todo.id}`).then(loadTodos),
    }))));
}

async function loadUsers() {
  const users = await api('GET', '/api/users');
  const select = $('#todo-user');
  const chosen = select.value;
  select.replaceChildren(...users.map(({ user }) => el('option', { value: user.id, text: user.name })));
  if (chosen) select.value = chosen;
  $('#users').replaceChildren(...users.map(({ user, cachedAt }) => el('tr', { 'data-id': user.id },
    el('td', {}, el('div', { text: user.name }), el('div', { class: 'email', text: user.email })),
    el('td', {}, el('label', { class: 'switch', title: 'event_subscribe' },
      el('input', {
        type: 'checkbox', checked: user.eventSubscribe,
        onchange: (event) => api('PATCH', `/api/users/${user.id}`, { eventSubscribe: event.target.checked }),
      }),
      el('span'))),
    el('td', {}, el('span', {
      class: 'badge' + (Date.now() - new Date(cachedAt) < 5000 ? ' fresh' : ''),
      title: 'Loaded into the cache at ' + cachedAt, text: 'cached ' + time(cachedAt).slice(0, 8),
    })),
    el('td', { class: 'actions' },
      el('button', {
        class: 'small', type: 'button', text: 'Rename', onclick: () => {
          const name = prompt('New name for ' + user.name, user.name);
          if (name) api('PATCH', `/api/users/${user.id}`, { name });
        },
      }), ' ',
      el('button', {
        class: 'small', type: 'button', text: 'Touch', title: 'Changes only updated_at: the cache handler ignores it',
        onclick: () => api('POST', `/api/users/${user.id}/touch`),
      }), ' ',
      el('button', {
        class: 'small', type: 'button', text: 'Nudge', title: 'A todo and an outbox message, in one transaction',
        onclick: () => api('POST', `/api/users/${user.id}/nudge`),
      })))));
}

let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { loadTodos(); loadUsers(); }, 150);
}

$('#todo-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const title = $('#todo-title').value.trim();
  if (!title) return;
  await api('POST', '/api/todos', { title, userId: Number($('#todo-user').value) || null });
  $('#todo-title').value = '';
  loadTodos();
});

$('#user-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await api('POST', '/api/users', { name: $('#user-name').value.trim(), email: $('#user-email').value.trim() });
  $('#user-name').value = '';
  $('#user-email').value = '';
  loadUsers();
});

// ---- another client ---------------------------------------------------------------------

async function loadStatements() {
  const statements = await api('GET', '/api/other-client');
  $('#statements').replaceChildren(...statements.map((statement) => el('button', {
    type: 'button', text: statement.label, title: statement.sql, 'data-statement': statement.name,
    onclick: async () => {
      const ran = await api('POST', `/api/other-client/${statement.name}`);
      const pre = $('#last-statement');
      pre.textContent = ran.sql + ';';
      pre.hidden = false;
    },
  })));
}

// ---- subscriptions and stream state ------------------------------------------------------

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '?';
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' kB';
  return (bytes / 1024 / 1024).toFixed(1) + ' MB';
}

async function loadStream() {
  const pill = $('#stream-state');
  let cdc;
  try {
    cdc = await api('GET', '/actuator/cdc');
  } catch (error) {
    pill.textContent = 'stream: unknown';
    pill.className = 'pill warn';
    return;
  }
  pill.textContent = 'stream: ' + cdc.state;
  pill.className = 'pill ' + (cdc.state === 'STREAMING' ? 'ok' : 'warn');
  pill.title = `slot ${cdc.slot}, publication ${cdc.publication}, PostgreSQL ${cdc.serverVersion}`
    + (cdc.lastError ? ` · last error: ${cdc.lastError.message}` : '');
  const lag = cdc.lag || {};
  $('#stream-lag').textContent = 'lag: ' + formatBytes(lag.bytes)
    + (lag.millis !== null && lag.millis !== undefined ? ` · ${lag.millis} ms` : '');
}

const shortName = (table) => table.startsWith('public.') ? table.slice('public.'.length) : table;

function describeSnapshot(snapshot) {
  if (!snapshot) return '';
  const percent = snapshot.state === 'DONE' ? 100
    : snapshot.rowsEstimated > 0 ? Math.min(100, Math.floor(snapshot.rowsRead * 100 / snapshot.rowsEstimated)) : null;
  return `snapshot ${snapshot.state.toLowerCase()}: ${snapshot.rowsRead} rows`
    + (percent !== null ? ` (${percent} %)` : '') + (snapshot.lastError ? ` · ${snapshot.lastError}` : '');
}

async function loadSubscriptions() {
  const overview = await api('GET', '/api/cdc');
  const snapshots = Object.fromEntries((overview.snapshots || []).map((snapshot) => [snapshot.table, snapshot]));
  $('#subscriptions').replaceChildren(...overview.subscriptions.map((subscription) => el('li', {},
    el('label', { class: 'switch', title: 'Dispatch this table\'s changes' },
      el('input', {
        type: 'checkbox', checked: subscription.enabled, 'data-table': shortName(subscription.table),
        onchange: async (event) => {
          event.target.disabled = true;
          try {
            await api('POST', `/api/cdc/${encodeURIComponent(subscription.table)}`, { enabled: event.target.checked });
          } finally {
            loadSubscriptions();
          }
        },
      }),
      el('span')),
    el('span', { class: 'name', text: shortName(subscription.table) }),
    el('span', {
      class: 'counts',
      title: 'handlers: ' + subscription.handlers.join(', '),
      text: (subscription.enabled ? '' : 'off: changes pass by unhandled · ')
        + `${subscription.events} events · ${subscription.handlers.length} handlers`
        + (subscription.ignored ? ` · ${subscription.ignored} ignored while off` : ''),
    }),
    el('button', {
      type: 'button', class: 'snapshot', 'data-snapshot': shortName(subscription.table),
      title: 'Read every row of this table again, as SNAPSHOT events interleaved with the stream',
      disabled: ['QUEUED', 'RUNNING'].includes(snapshots[subscription.table]?.state),
      text: 'snapshot this table',
      onclick: async (event) => {
        event.target.disabled = true;
        try {
          await api('POST', `/api/cdc/${encodeURIComponent(subscription.table)}/snapshot`);
        } finally {
          loadSubscriptions();
        }
      },
    }),
    el('span', {
      class: 'snapshot-progress', 'data-snapshot-progress': shortName(subscription.table),
      text: describeSnapshot(snapshots[subscription.table]),
    }))));

  const slots = overview.slots.map((slot) => el('div', {
    text: `slot ${slot.name}: ${slot.active ? 'active' : 'inactive'}${slot.temporary ? ', temporary' : ''}, `
      + `confirmed ${slot.confirmedFlushLsn}, ${formatBytes(slot.lagBytes)} behind (server view)`,
  }));
  const publications = {};
  for (const { publication, table } of overview.published) (publications[publication] ??= []).push(table);
  const published = Object.entries(publications).map(([name, tables]) => el('div', {
    text: `publication ${name}: ${tables.join(', ')}`,
  }));
  $('#slots').replaceChildren(...slots, ...published);
}

// ---- live feed --------------------------------------------------------------------------

const MAX_FEED = 200;

function changeBody(entry) {
  if (entry.operation === 'UPDATE' && entry.changes.length) {
    return entry.changes.map((change) => el('span', { class: 'change' },
      el('span', { class: 'col', text: change.column + ': ' }),
      el('span', { class: 'old', text: String(change.oldValue) }), ' → ',
      el('span', { class: 'new', text: String(change.newValue) })));
  }
  const shown = Object.entries(entry.row).filter(([column]) => !['created_at', 'updated_at'].includes(column));
  return shown.map(([column, value]) => el('span', { class: 'kv' },
    el('span', { class: 'col', text: column + '=' }), String(value)));
}

// entries replayed from the history when the page opens do not flash; new ones do
const isRecent = (iso) => !iso || Date.now() - new Date(iso).getTime() < 3000;

function addToFeed(item) {
  $('#feed-empty').hidden = true;
  const feed = $('#feed');
  feed.prepend(item);
  while (feed.children.length > MAX_FEED) feed.lastChild.remove();
}

function showChange(entry) {
  const id = entry.row && entry.row.id !== undefined ? ' #' + entry.row.id : '';
  addToFeed(el('li', { class: 'entry' + (isRecent(entry.commitTime) ? ' fresh' : ''), 'data-table': entry.table, 'data-op': entry.operation, 'data-id': entry.row?.id },
    el('div', { class: 'head' },
      el('span', { class: 'op ' + entry.operation, text: entry.operation }),
      el('span', { class: 'table', text: entry.table + id }),
      el('span', { class: 'meta mono', text: `${time(entry.commitTime)} · lsn ${entry.lsn} · xid ${entry.xid}` })),
    el('div', { class: 'body' }, changeBody(entry))));
}

function showMessage(entry) {
  addToFeed(el('li', { class: 'entry' + (isRecent(entry.commitTime) ? ' fresh' : ''), 'data-prefix': entry.prefix, 'data-op': 'MESSAGE' },
    el('div', { class: 'head' },
      el('span', { class: 'op MESSAGE', text: 'MESSAGE' }),
      el('span', { class: 'table', text: 'prefix ' + entry.prefix }),
      el('span', { class: 'meta mono', text: `${time(entry.commitTime)} · lsn ${entry.lsn}` + (entry.xid ? ` · xid ${entry.xid}` : '') })),
    el('div', { class: 'body mono', text: entry.content })));
}

function showActivity(activity) {
  const list = $('#activity');
  list.prepend(el('li', { 'data-handler': activity.handler },
    el('span', { class: 'handler', text: activity.handler }),
    el('span', { text: activity.text }),
    el('span', { class: 'when mono', text: time(activity.at) })));
  while (list.children.length > MAX_FEED) list.lastChild.remove();
}

function connectFeed() {
  const pill = $('#feed-connection');
  const source = new EventSource('/api/feed');
  source.onopen = () => { pill.textContent = 'feed: live'; pill.className = 'pill ok'; };
  source.onerror = () => { pill.textContent = 'feed: reconnecting…'; pill.className = 'pill off'; };
  source.addEventListener('change', (event) => { showChange(JSON.parse(event.data)); refreshSoon(); });
  source.addEventListener('message', (event) => showMessage(JSON.parse(event.data)));
  source.addEventListener('activity', (event) => {
    const activity = JSON.parse(event.data);
    showActivity(activity);
    if (activity.handler === 'stream' || activity.handler === 'control') {
      loadStream();
      loadSubscriptions();
    } else {
      refreshSoon();
    }
  });
}

$('#clear-feed').addEventListener('click', () => {
  $('#feed').replaceChildren();
  $('#feed-empty').hidden = false;
});

// ---- start ------------------------------------------------------------------------------

api('GET', '/api/connection').then((connection) => { $('#psql-hint').textContent = connection.psql; });
loadUsers();
loadTodos();
loadStatements();
loadSubscriptions();
loadStream();
setInterval(() => { loadSubscriptions(); loadStream(); }, 2000);
connectFeed();
