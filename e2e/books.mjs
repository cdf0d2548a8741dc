// The books in a real browser (Debian's Chromium driven by playwright-core): the demo client's
// admin sets a password, signs in on the client's own host and, through the books' pages,
// creates a customer and an item, writes a sales invoice with two lines, submits it through the
// confirmation dialog (books.js), opens its print page and downloads its PDF; a report is shown
// and downloaded as CSV.
//
// It starts its own `tenantry serve --demo` (see lib.mjs). Screenshots go to
// e2e/artifacts/books-NN-name.png, the PDF to e2e/artifacts/books-invoice.pdf, the server's
// output to e2e/artifacts/books-server.log.
//
//   TENANTRY_BIN   the binary (default ../target/debug/tenantry, relative to this folder)
//   CHROMIUM       the browser (default /usr/bin/chromium)
//   E2E_HEADFUL=1  show the window (needs a display)
//
// Exit status 0 when every step passed, 1 with a message naming the step otherwise.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, createRun, escapeRe, fail, PASSWORD } from './lib.mjs';

const run = createRun({ title: 'Books walk', prefix: 'books-' });
const { log, step, screenshot, expectUrl, expectText, expectNoText, bodyText } = run;
let page = null;

/**
 * GETs a URL from inside the page (same origin, the session's cookies), as a person's browser
 * would: Node's own resolver does not map *.localhost to the loopback address, Chromium does.
 * The body comes back as a latin1 string, one character a byte.
 */
async function fetchInPage(url) {
  return page.evaluate(async (u) => {
    const res = await fetch(u);
    const bytes = new Uint8Array(await res.arrayBuffer());
    let body = '';
    for (let i = 0; i < bytes.length; i += 8192) body += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return {
      status: res.status,
      type: res.headers.get('content-type') || '',
      disposition: res.headers.get('content-disposition') || '',
      body,
    };
  }, url);
}

async function walk() {
  const demo = await run.startServer();
  const client = new URL(demo.clientUrl).origin;
  log(`server up: client ${demo.subdomain} at ${client}`);
  ({ page } = await run.openBrowser());
  const nav = run.trackStatus();
  const year = new Date().getUTCFullYear();
  let email = '';

  await step('accept the invitation', async () => {
    await page.goto(demo.invitation);
    const who = (await bodyText()).match(/This invitation for (\S+@\S+) is valid until/);
    if (!who) fail('the invitation page does not say whom it is for');
    email = who[1];
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('input[name="confirm"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expectText('Your password is set.');
  });

  await step("sign in on the client's own host, straight to the books", async () => {
    await page.goto(`${client}/login?next=/books`);
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expectUrl(`${client}/books`);
    await expectText("'s books", 'Sales invoices', 'New customer', 'Trial balance', `${email} · admin`);
    await screenshot('home');
  });

  await step('a customer, refused first for a missing name', async () => {
    await page.getByRole('link', { name: 'New customer' }).click();
    await expectUrl(`${client}/books/customers/new`);
    await page.locator('input[name="email"]').fill('accounts@dickson.example');
    // The browser's own check would stop an empty required field: take it off to see the server's.
    await page.locator('input[name="name"]').evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText('name is required');
    if (nav.status !== 422) fail(`an empty name answered ${nav.status}, expected 422`);
    if ((await page.locator('input[name="email"]').inputValue()) !== 'accounts@dickson.example') fail('the typed email was not kept');
    await screenshot('customer-refused');
    await page.locator('input[name="name"]').fill('Dickson Supplies');
    await page.locator('input[name="address_line1"]').fill('4 Mill Lane');
    await page.locator('input[name="city"]').fill('Leeds');
    await page.locator('input[name="postcode"]').fill('LS2 7EW');
    await page.locator('input[name="tax_id"]').fill('GB987654321');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectUrl(`${client}/books/customers/Dickson%20Supplies`);
    await expectText('Dickson Supplies', 'GB987654321', '4 Mill Lane');
    await screenshot('customer');
  });

  await step('an item', async () => {
    await page.goto(`${client}/books/items/new`);
    await page.locator('input[name="item_code"]').fill('WIDGET');
    await page.locator('input[name="item_name"]').fill('Blue widget');
    await page.locator('input[name="selling_price"]').fill('12.50');
    await page.locator('input[name="buying_price"]').fill('5.00');
    await page.locator('input[name="is_stock"]').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expectUrl(`${client}/books/items/WIDGET`);
    await expectText('WIDGET · Blue widget', '12.50', 'Service');
    await page.goto(`${client}/books/items`);
    await expectText('WIDGET', 'Blue widget');
    await screenshot('items');
  });

  await step('a sales invoice with two lines, one added by the "Add a line" button', async () => {
    // From the list, the "n" key opens a new one.
    await page.goto(`${client}/books/sales-invoices`);
    await page.keyboard.press('n');
    await expectUrl(`${client}/books/sales-invoices/new`);
    await page.locator('input[name="party"]').fill('Dickson Supplies');
    const rows = page.locator('tbody[data-lines] tr');
    const before = await rows.count();
    const add = page.getByRole('button', { name: 'Add a line' });
    if (!(await add.isVisible())) fail('books.js did not show the "Add a line" button');
    await add.click();
    if ((await rows.count()) !== before + 1) fail('"Add a line" added no row');
    await rows.nth(0).locator('input[name="line_item"]').fill('WIDGET');
    await rows.nth(0).locator('input[name="line_qty"]').fill('4');
    await rows.nth(before).locator('input[name="line_item"]').fill('WIDGET');
    await rows.nth(before).locator('input[name="line_description"]').fill('Fitting kit');
    await rows.nth(before).locator('input[name="line_qty"]').fill('1.5');
    await rows.nth(before).locator('input[name="line_rate"]').fill('100.00');
    await rows.nth(before).locator('select[name="line_vat"]').selectOption('reduced');
    // Choosing the item filled in its price and name; the amounts follow what was typed.
    const first = rows.nth(0);
    if ((await first.locator('input[name="line_rate"]').inputValue()) !== '12.50') fail('choosing an item did not fill in its price');
    if ((await first.locator('input[name="line_description"]').inputValue()) !== 'Blue widget') fail('choosing an item did not fill in its description');
    const amount = await first.locator('output[data-line-amount]').textContent();
    if (amount !== '£50.00') fail(`the first line's amount reads ${amount}, expected £50.00`);
    for (const [which, expected] of [['net', '£200.00'], ['vat', '£17.50'], ['gross', '£217.50']]) {
      const shown = await page.locator(`[data-total="${which}"]`).textContent();
      if (shown !== expected) fail(`the live ${which} total reads ${shown}, expected ${expected}`);
    }
    await screenshot('invoice-form');
    // Saved with the keyboard, from inside a field.
    await rows.nth(before).locator('input[name="line_rate"]').press('Control+s');
    await expectUrl(new RegExp(`^${escapeRe(client)}/books/sales-invoices/SINV-DRAFT-\\d+$`));
    // 4 × 12.50 = 50.00 (+10.00 at 20%), 1.5 × 100.00 = 150.00 (+7.50 at 5%): 217.50.
    await expectText('Draft', '50.00', '150.00', '17.50', '217.50');
    await screenshot('invoice-draft');
  });

  let number = '';
  await step('submit it through the confirmation dialog', async () => {
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    const dialog = page.locator('dialog#dlg-submit');
    await dialog.waitFor({ state: 'visible' });
    await expectText('It is numbered and posted to the books');
    await screenshot('submit-dialog');
    // "Go back" closes it and nothing happens.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expectUrl(new RegExp('/SINV-DRAFT-\\d+$'));
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await expectUrl(new RegExp(`^${escapeRe(client)}/books/sales-invoices/SINV-${year}-\\d{5}$`));
    number = page.url().split('/').pop();
    await expectText(`Sales invoice ${number}`, 'Unpaid', '217.50');
    await expectNoText('SINV-DRAFT');
    log(`  submitted as ${number}`);
    await screenshot('invoice-submitted');
  });

  await step('the print page', async () => {
    await page.getByRole('link', { name: 'Print' }).click();
    await expectUrl(`${client}/books/sales-invoices/${number}/print`);
    await expectText('Invoice', number, 'Dickson Supplies', '4 Mill Lane', '£217.50');
    if (!(await page.getByRole('button', { name: 'Print' }).isVisible())) fail('books.js did not show the Print button');
    const colour = await page.locator('table.invoice-lines th').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    if (colour === 'rgba(0, 0, 0, 0)') fail('the letterhead colour from /books/brand.css did not apply');
    await screenshot('print');
    await page.emulateMedia({ media: 'print' });
    await screenshot('print-media');
    await page.emulateMedia({ media: 'screen' });
  });

  await step('the PDF', async () => {
    const res = await fetchInPage(`${client}/books/sales-invoices/${number}/pdf`);
    if (res.status !== 200) fail(`the PDF answered ${res.status}`);
    if (res.type !== 'application/pdf') fail(`the PDF came as ${res.type}`);
    if (!res.body.startsWith('%PDF-')) fail('the PDF does not start with %PDF-');
    if (!res.body.includes(`(${number})`)) fail('the PDF does not hold the invoice number');
    const bytes = Buffer.from(res.body, 'latin1');
    const file = join(artifacts, 'books-invoice.pdf');
    writeFileSync(file, bytes);
    log(`  ${bytes.length} bytes, saved to ${file}`);
  });

  await step('a report and its CSV', async () => {
    await page.goto(`${client}/books/reports/trial-balance`);
    await expectText('Trial balance', 'Trade Debtors', '217.50', 'Total');
    await screenshot('trial-balance');
    const csv = await fetchInPage(`${client}/books/reports/trial-balance/csv`);
    if (csv.status !== 200 || !csv.type.startsWith('text/csv')) fail('the CSV did not download');
    if (!csv.disposition.startsWith('attachment')) fail(`the CSV is not an attachment: ${csv.disposition}`);
    const text = csv.body;
    if (!text.startsWith('Number,Account,Opening,Debit,Credit,Closing')) fail(`the CSV starts ${text.slice(0, 60)}`);
    if (!/,Total,,217\.50,217\.50,0\.00/.test(text)) fail(`the trial balance does not balance at 217.50:\n${text}`);
  });

  await step('the chart of accounts and the VAT return', async () => {
    await page.goto(`${client}/books/accounts`);
    await expectText('Chart of accounts', 'Trade Debtors', 'VAT on Sales', 'New account');
    await screenshot('chart-of-accounts');
    await page.goto(`${client}/books/reports/vat-return`);
    await expectText('VAT due on sales and other outputs', '17.50', 'Net VAT to pay');
    await screenshot('vat-return');
  });

  await step('the sales list finds it', async () => {
    await page.goto(`${client}/books/sales-invoices`);
    await page.locator('input[name="q"]').fill('dickson');
    await page.locator('select[name="status"]').selectOption('unpaid');
    await page.getByRole('button', { name: 'Show' }).click();
    await expectUrl(new RegExp('/books/sales-invoices\\?q=dickson&status=unpaid'));
    await expectText(number, 'Dickson Supplies', '217.50');
    await screenshot('sales-list');
    // Back to the list later in the visit: it shows what was last asked for, until cleared.
    await page.goto(`${client}/books`);
    await page.getByRole('link', { name: 'Sales', exact: true }).click();
    await expectUrl(new RegExp('/books/sales-invoices\\?q=dickson&status=unpaid'));
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expectUrl(`${client}/books/sales-invoices`);
    if ((await page.locator('input[name="q"]').inputValue()) !== '') fail('the search is still filled in after "Clear filters"');
  });
}

run.main(walk);
