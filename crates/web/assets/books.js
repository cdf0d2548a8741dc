// The books pages' few behaviours, as a plain ES module (the CSP allows no inline script).
// Everything here is an improvement on pages that work without it:
//   a[data-dialog="ID"]  opens <dialog id="ID"> (a confirmation holding the POST form) instead
//                        of following the link to the confirmation page;
//   dialog [data-close]  closes its dialog;
//   [data-add-line]      (hidden until this runs) appends an empty copy of the last row of its
//                        form's line table (tbody[data-lines]);
//   [data-print]         (hidden until this runs) prints the page.
//   table[data-totals]   a document's lines: choosing an item fills its description and rate
//                        (from its datalist's data-facts), and each line's amount and the
//                        totals (dl[data-live-totals]) follow what is typed. The figures redo
//                        the server's rules in integers (pence, thousandths); the server works
//                        them out again when the form is saved.

for (const link of document.querySelectorAll('a[data-dialog]')) {
  const dialog = document.getElementById(link.dataset.dialog);
  if (!dialog || typeof dialog.showModal !== 'function') continue;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    dialog.showModal();
  });
}

for (const button of document.querySelectorAll('dialog [data-close]')) {
  button.addEventListener('click', () => button.closest('dialog').close());
}

for (const button of document.querySelectorAll('[data-add-line]')) {
  const body = button.closest('form')?.querySelector('tbody[data-lines]');
  if (!body) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    const last = body.querySelector('tr:last-child');
    if (!last) return;
    const row = last.cloneNode(true);
    for (const input of row.querySelectorAll('input')) {
      input.value = '';
      delete input.dataset.filled;
    }
    for (const output of row.querySelectorAll('output')) output.textContent = '';
    for (const select of row.querySelectorAll('select')) select.selectedIndex = 0;
    body.appendChild(row);
    row.querySelector('input, select')?.focus();
  });
}

for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}

// A decimal as typed, in units of 10^-places, as a BigInt; null when it is not a number.
function scaled(text, places) {
  const m = /^\s*(-?)(\d*)(?:\.(\d*))?\s*$/.exec(text || '');
  if (!m || (m[2] === '' && !m[3])) return null;
  const fraction = (m[3] || '').padEnd(places, '0');
  if (fraction.length > places) return null;
  const value = BigInt((m[2] || '0') + fraction);
  return m[1] ? -value : value;
}

// a / b rounded half away from zero, as the server's div_round.
function divRound(a, b) {
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return q + (a < 0n ? -1n : 1n);
  return q;
}

function money(pence, symbol) {
  const negative = pence < 0n;
  const text = (negative ? -pence : pence).toString().padStart(3, '0');
  const whole = text.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${symbol}${whole}.${text.slice(-2)}`;
}

for (const table of document.querySelectorAll('table[data-totals]')) {
  const form = table.closest('form');
  const list = document.getElementById(form.querySelector('[name=line_item]')?.getAttribute('list'));
  const items = JSON.parse(list?.dataset.facts || '{}');
  const rates = JSON.parse(table.dataset.vatRates || '{}');
  const perInvoice = table.dataset.vatRounding === 'per_invoice';
  const symbol = table.dataset.currency || '';
  const totals = form.querySelector('[data-live-totals]');
  const field = (row, name) => row.querySelector(`[name=${name}]`);

  const update = () => {
    let net = 0n;
    let vat = 0n;
    const netByRate = new Map();
    for (const row of table.querySelectorAll('tbody tr')) {
      const out = row.querySelector('output[data-line-amount]');
      const code = field(row, 'line_item').value.trim();
      const qty = scaled(field(row, 'line_qty').value, 3);
      const typedRate = field(row, 'line_rate').value.trim();
      const rate = typedRate === '' ? scaled(items[code]?.rate, 2) : scaled(typedRate, 2);
      if (!code || qty === null || rate === null) {
        out.textContent = '';
        continue;
      }
      const lineNet = divRound(qty * rate, 1000n);
      const category = field(row, 'line_vat').value || items[code]?.vat || 'standard';
      const bp = BigInt(rates[category] ?? 0);
      out.textContent = money(lineNet, symbol);
      net += lineNet;
      if (perInvoice) netByRate.set(bp, (netByRate.get(bp) || 0n) + lineNet);
      else vat += divRound(lineNet * bp, 10000n);
    }
    if (perInvoice) for (const [bp, sum] of netByRate) vat += divRound(sum * bp, 10000n);
    if (!totals) return;
    totals.hidden = false;
    totals.querySelector('[data-total=net]').textContent = money(net, symbol);
    totals.querySelector('[data-total=vat]').textContent = money(vat, symbol);
    totals.querySelector('[data-total=gross]').textContent = money(net + vat, symbol);
  };

  // An item chosen (picked from the list or typed in full): its name and price, where the
  // person has typed nothing of their own. Filled at once, not on leaving the field, so that
  // the next field is complete before it is focused.
  const fill = (input) => {
    const facts = items[input.value.trim()];
    const row = input.closest('tr');
    if (!facts || !row) return;
    for (const [name, value] of [['line_description', facts.name], ['line_rate', facts.rate]]) {
      const target = field(row, name);
      if (target.value.trim() === '' || target.value === target.dataset.filled) {
        target.value = value;
        target.dataset.filled = value;
      }
    }
  };
  table.addEventListener('input', (event) => {
    if (event.target.name === 'line_item') fill(event.target);
  });
  table.addEventListener('input', update);
  form.querySelector('[data-add-line]')?.addEventListener('click', update);
  update();
}

// An item's group chosen: "Kept in stock" follows what the group's items usually are, until
// the box is ticked or cleared by hand.
for (const group of document.querySelectorAll('select[name=item_group][data-facts]')) {
  const stocked = JSON.parse(group.dataset.facts);
  const box = group.form?.querySelector('input[type=checkbox][name=is_stock]');
  if (!box) continue;
  let touched = false;
  box.addEventListener('change', () => { touched = true; });
  group.addEventListener('change', () => {
    if (!touched && group.value in stocked) box.checked = stocked[group.value];
  });
}

// Keys, as in the desk tools people compare these pages with: on a list, "n" follows its
// [data-shortcut="n"] link (a new record) and "/" goes to its search box; in a form, Ctrl+S
// (Cmd+S) saves it. None of them acts while a field is being typed in, except saving.
const typing = (el) => el && (el.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName));
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
    const form = event.target.closest?.('form[data-save-shortcut]') || document.querySelector('form[data-save-shortcut]');
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (document.querySelector('dialog[open]')) return;
  const link = document.querySelector(`a[data-shortcut="${CSS.escape(event.key)}"]`);
  if (link) {
    event.preventDefault();
    link.click();
  } else if (event.key === '/') {
    const search = document.querySelector('form.filters input[name=q]');
    if (search) {
      event.preventDefault();
      search.focus();
    }
  }
});

// A list remembers its filters for the rest of the visit (this tab's sessionStorage): coming
// back to it bare shows what was last asked for, with a "Clear filters" link to start afresh.
for (const form of document.querySelectorAll('form.filters[method=get]')) {
  const key = `tenantry:filters:${location.pathname}`;
  const params = new URLSearchParams(location.search);
  if (params.has('clear')) {
    sessionStorage.removeItem(key);
    history.replaceState(null, '', location.pathname);
    continue;
  }
  params.delete('page');
  const asked = [...params.values()].some((v) => v !== '');
  if (asked) {
    sessionStorage.setItem(key, params.toString());
    const clear = document.createElement('a');
    clear.href = `${location.pathname}?clear=1`;
    clear.textContent = 'Clear filters';
    clear.className = 'clear';
    form.append(clear);
  } else {
    const saved = sessionStorage.getItem(key);
    if (saved && !location.search) location.replace(`${location.pathname}?${saved}`);
  }
}
