// The books pages' few behaviours, as a plain ES module (the CSP allows no inline script).
// Everything here is an improvement on pages that work without it:
//   a[data-dialog="ID"]  opens <dialog id="ID"> (a confirmation holding the POST form) instead
//                        of following the link to the confirmation page;
//   dialog [data-close]  closes its dialog;
//   [data-add-line]      (hidden until this runs) appends an empty copy of the last row of its
//                        form's line table (tbody[data-lines]);
//   [data-print]         (hidden until this runs) prints the page.

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
    for (const input of row.querySelectorAll('input')) input.value = '';
    for (const select of row.querySelectorAll('select')) select.selectedIndex = 0;
    body.appendChild(row);
    row.querySelector('input, select')?.focus();
  });
}

for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
