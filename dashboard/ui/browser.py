"""What the app does in the browser that Streamlit does not do by itself.

One small script, installed once per page load (`browser_behaviour`, called by the entrypoint):

- a form's Save button is disabled from the click until the app has answered, so a double
  click saves once (the server also ignores a second submission of a form already saved,
  `ui.records.save`, and the store refuses a meeting recorded twice);
- long text boxes in a form show how many characters they hold, out of MAX_TEXT;
- a new confirmation (a container keyed ``saved_…``) is scrolled into view: the person is
  looking at the Save button at the bottom of a long form;
- on a phone, the menu closes when a page is chosen in it (Streamlit's own menu does so; the
  app's menu is plain page links, `ui.nav`);
- Sign out leaves a short-lived cookie, so the page the identity provider sends the browser
  back to can say "Signed out" (`ui.account.signed_out_notice`).
"""

from __future__ import annotations

import streamlit as st

from dashboard.records import MAX_TEXT
from dashboard.ui.account import SIGNED_OUT_COOKIE

SAVED_KEY_PREFIX = "saved_"
SCRIPTS_KEY = "page_scripts"
# Streamlit's breakpoint below which the sidebar covers the page (its "md" breakpoint).
PHONE_WIDTH = 768
# A disabled Save button is enabled again when the app has answered, or after this long (ms).
RELEASE_MS = 15_000

BEHAVIOUR_JS = """
(() => {
  if (window.__dashboardBehaviour) return;
  window.__dashboardBehaviour = true;
  const doc = document;
  const MAX = %(max)d;
  const app = () => doc.querySelector('[data-testid=stApp]');

  // Save: disabled from the click until the script has run again.
  let saving = [];
  let sawRunning = false;
  let savedShown = false;
  // What needs the person's attention after Save, where they can see it: the first problem
  // in the form (else on the page), unless a confirmation was scrolled into view.
  const PROBLEM = '[data-testid=stAlertContentError], [data-testid=stAlertContentWarning]';
  const showProblem = (root) => {
    const first = root && (root.querySelector('[role=alert]') || root.querySelector(PROBLEM));
    if (first) first.scrollIntoView({block: 'center'});
  };
  const release = () => {
    const form = saving.length && saving[0].closest('[data-testid=stForm]');
    saving.forEach((b) => { b.disabled = false; b.removeAttribute('aria-disabled');
                            delete b.dataset.saving; });
    if (saving.length && !savedShown) {
      const main = doc.querySelector('[data-testid=stMain]');
      showProblem(form && form.isConnected && form.querySelector(PROBLEM) ? form : main);
    }
    saving = []; sawRunning = false; savedShown = false;
  };
  // A click whose form is sent to the server (the browser's own check of required fields can
  // stop it): the form goes out over the app's websocket while the click is handled.
  let clicked = null;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (clicked && !clicked.dataset.saving) {
      const button = clicked;
      button.dataset.saving = '1';
      saving.push(button);
      setTimeout(() => { if (button.dataset.saving) { button.disabled = true;
                          button.setAttribute('aria-disabled', 'true'); } }, 0);
      // Should the script's run pass unseen (too quick to be drawn), the button comes back.
      setTimeout(release, %(release_ms)d);
    }
    return send.call(this, data);
  };
  doc.addEventListener('click', (event) => {
    const button = event.target.closest('[data-testid=stFormSubmitButton] button');
    if (!button) return;
    if (button.dataset.saving) { event.preventDefault(); event.stopImmediatePropagation(); return; }
    clicked = button;
    setTimeout(() => {
      clicked = null;
      // Not sent: the browser found a required field empty and marks it. Show it.
      if (!button.dataset.saving) {
        requestAnimationFrame(() => requestAnimationFrame(
          () => showProblem(button.closest('[data-testid=stForm]'))));
      }
    }, 0);
  }, true);
  new MutationObserver(() => {
    const state = app() && app().getAttribute('data-test-script-state');
    if (state === 'running') sawRunning = true;
    else if (sawRunning && saving.length) release();
  }).observe(doc.body, {subtree: true, attributes: true,
                         attributeFilter: ['data-test-script-state']});

  // Character counters under the text boxes of forms.
  const count = (area) => {
    let note = area.closest('[data-testid=stTextArea]').querySelector('.char-count');
    if (!note) {
      note = doc.createElement('div');
      note.className = 'char-count';
      note.style.cssText = 'font-size:0.875rem;margin-top:0.25rem;color:#4a545e';
      area.closest('[data-testid=stTextArea]').appendChild(note);
    }
    const n = area.value.length;
    const over = n - MAX;
    note.textContent = n.toLocaleString('en') + ' of ' + MAX.toLocaleString('en') +
      ' characters' + (over > 0 ? ': ' + over.toLocaleString('en') + ' too many' : '');
    note.style.color = over > 0 ? '#b3261e' : '#4a545e';
  };
  doc.addEventListener('input', (event) => {
    if (event.target.matches('[data-testid=stForm] textarea')) count(event.target);
  }, true);

  // A new confirmation into view (its container's key names the save: a new key is a new
  // save, whether React adds the container or renames one); counters onto new text boxes.
  let lastSaved = null;
  new MutationObserver((records) => {
    const saved = doc.querySelector('[class*="st-key-%(saved)s"]');
    const name = saved && Array.from(saved.classList).find((c) => c.startsWith('st-key-'));
    if (saved && name !== lastSaved) {
      lastSaved = name;
      saved.scrollIntoView({block: 'center'});
      savedShown = true;
    }
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof Element) {
          node.querySelectorAll('[data-testid=stForm] textarea').forEach(count);
        }
      }
    }
  }).observe(doc.body, {childList: true, subtree: true, attributes: true,
                         attributeFilter: ['class']});
  doc.querySelectorAll('[data-testid=stForm] textarea').forEach(count);

  // Phone: choosing a page in the menu closes the menu.
  doc.addEventListener('click', (event) => {
    if (!event.target.closest('.st-key-page_menu a')) return;
    if (window.innerWidth >= %(phone)d) return;
    const close = doc.querySelector('[data-testid=stSidebarCollapseButton] button');
    if (close) setTimeout(() => close.click(), 0);
  }, true);

  // Sign out: the page the provider sends the browser back to says so.
  doc.addEventListener('click', (event) => {
    if (event.target.closest('.st-key-sign_out button')) {
      doc.cookie = '%(cookie)s=1; Path=/; Max-Age=600; SameSite=Lax';
    }
  }, true);
  doc.cookie = '%(cookie)s=; Path=/; Max-Age=0; SameSite=Lax';
})();
"""


def browser_behaviour() -> None:
    """Install the script (it runs once per page load; later runs find it installed). Hidden
    in the sidebar: it draws nothing."""
    script = BEHAVIOUR_JS % {
        "max": MAX_TEXT,
        "saved": SAVED_KEY_PREFIX,
        "phone": PHONE_WIDTH,
        "cookie": SIGNED_OUT_COOKIE,
        "release_ms": RELEASE_MS,
    }
    with st.sidebar.container(key=SCRIPTS_KEY):
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)
