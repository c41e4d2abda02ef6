// Countersign Bank's one script. Every page is complete as the server sends it; this only makes it live:
// an element with `data-live` follows an approval over the bank's own server-sent events (no polling),
// and times are shown in the reader's time zone, with a countdown to an expiry.

const region = document.getElementById('live-status');

function announce(text) {
  if (region !== null && typeof text === 'string' && text !== '') region.textContent = text;
}

function localTimes(root) {
  for (const element of root.querySelectorAll('time[data-local]:not([data-countdown])')) {
    const date = new Date(element.dateTime);
    if (Number.isNaN(date.getTime())) continue;
    element.title = element.textContent;
    element.textContent = date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
  }
}

function countdown() {
  for (const element of document.querySelectorAll('time[data-countdown]')) {
    const left = Math.max(0, Math.round((Date.parse(element.dateTime) - Date.now()) / 1000));
    element.textContent =
      left === 0 ? 'now' : `in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  }
}

function follow(container) {
  const source = new EventSource(container.dataset.live);
  source.addEventListener('state', (event) => {
    const state = JSON.parse(event.data);
    if (state.final) source.close();
    if (state.key === container.dataset.state) return;
    container.dataset.state = state.key;
    // The markup was rendered, and every value in it escaped, by the bank's own templates.
    container.innerHTML = state.html;
    localTimes(container);
    countdown();
    announce(state.announce);
    const next = container.querySelector('form[data-autosubmit]');
    if (next !== null) next.requestSubmit();
  });
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED || container.dataset.state?.startsWith('pending') !== true)
      return;
    const note = document.createElement('p');
    note.className = 'alert';
    note.setAttribute('role', 'alert');
    note.textContent = 'Live updates stopped. Reload the page to see the latest status.';
    container.after(note);
  });
}

localTimes(document);
countdown();
if (
  document.querySelector('time[data-countdown]') !== null ||
  document.querySelector('[data-live]') !== null
) {
  setInterval(countdown, 1000);
}
for (const container of document.querySelectorAll('[data-live]')) follow(container);
