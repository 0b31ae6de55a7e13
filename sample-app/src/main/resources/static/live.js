// One user's todos as a live query: a snapshot, then changes relative to the shape.
'use strict';

const rows = new Map();
const list = document.getElementById('live-todos');
const select = document.getElementById('live-user');
const pill = document.getElementById('live-connection');
let source;

function render() {
  list.replaceChildren(...[...rows.values()].map((todo) => {
    const item = document.createElement('li');
    item.dataset.id = todo.id;
    item.className = todo.done ? 'done' : '';
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = todo.title;
    item.append(title);
    return item;
  }));
}

function follow(user) {
  if (source) source.close();
  rows.clear();
  render();
  source = new EventSource('/api/todos/live?user=' + encodeURIComponent(user));
  source.onopen = () => { pill.textContent = 'live'; pill.className = 'pill on'; };
  source.onerror = () => { pill.textContent = 'live: reconnecting…'; pill.className = 'pill warn'; };
  source.addEventListener('snapshot', (event) => {
    rows.clear();
    JSON.parse(event.data).rows.forEach((row) => rows.set(row.id, row));
    render();
  });
  source.addEventListener('change', (event) => {
    const change = JSON.parse(event.data);
    if (change.operation === 'DELETE') rows.delete(change.row.id);
    else rows.set(change.row.id, change.row);
    render();
  });
}

async function start() {
  const users = await (await fetch('/api/users')).json();
  select.replaceChildren(...users.map(({ user }) => {
    const option = document.createElement('option');
    option.value = user.id;
    option.textContent = user.name;
    return option;
  }));
  const wanted = new URLSearchParams(location.search).get('user');
  if (wanted) select.value = wanted;
  select.addEventListener('change', () => {
    history.replaceState(null, '', '?user=' + select.value);
    follow(select.value);
  });
  follow(select.value);
}

start();
