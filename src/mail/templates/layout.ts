import { assertWebUrl, escapeHtml } from './escape';
import type { EmailLocale, RenderedEmail } from './types';

export type EmailTableRow = { label: string; value: string; strong?: boolean };

export type EmailBlock =
  | { type: 'paragraph'; text: string }
  | { type: 'action'; label: string; url: string }
  | { type: 'table'; rows: readonly EmailTableRow[] };

/**
 * An email as plain strings in blocks. Templates produce this and never markup, so escaping happens in exactly
 * one place and the text and HTML parts cannot drift apart.
 */
export type EmailContent = {
  subject: string;
  greeting: string;
  blocks: readonly EmailBlock[];
  closing: string;
  signature: string;
};

function textTable(rows: readonly EmailTableRow[]): string {
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const valueWidth = Math.max(...rows.map((row) => row.value.length));
  return rows.map((row) => `${row.label.padEnd(labelWidth)}  ${row.value.padStart(valueWidth)}`).join('\n');
}

function textBlock(block: EmailBlock): string {
  switch (block.type) {
    case 'paragraph':
      return block.text;
    case 'action':
      return `${block.label}: ${assertWebUrl(block.url)}`;
    case 'table':
      return textTable(block.rows);
  }
}

const CELL = 'padding:6px 0;vertical-align:top;';

function htmlBlock(block: EmailBlock): string {
  switch (block.type) {
    case 'paragraph':
      return `<p style="margin:0 0 16px;">${escapeHtml(block.text)}</p>`;
    case 'action':
      return (
        `<p style="margin:0 0 16px;"><a href="${escapeHtml(assertWebUrl(block.url))}" ` +
        `style="display:inline-block;padding:10px 18px;background:#1f4e79;color:#ffffff;text-decoration:none;` +
        `border-radius:4px;">${escapeHtml(block.label)}</a></p>`
      );
    case 'table': {
      const rows = block.rows.map((row) => {
        const style = row.strong ? `${CELL}font-weight:bold;border-top:1px solid #cccccc;` : CELL;
        return (
          `<tr><td style="${style}">${escapeHtml(row.label)}</td>` +
          `<td style="${style}text-align:right;white-space:nowrap;padding-left:16px;">${escapeHtml(row.value)}</td></tr>`
        );
      });
      return (
        '<table role="presentation" style="width:100%;border-collapse:collapse;margin:0 0 16px;">' +
        `${rows.join('')}</table>`
      );
    }
  }
}

export function renderLayout(content: EmailContent, locale: EmailLocale): RenderedEmail {
  const text = [
    content.greeting,
    ...content.blocks.map(textBlock),
    `${content.closing}\n${content.signature}`,
  ].join('\n\n');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${locale}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(content.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f4f4f4;font-family:Helvetica,Arial,sans-serif;' +
      'font-size:15px;line-height:1.5;color:#1a1a1a;">',
    '<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;">',
    `<p style="margin:0 0 16px;">${escapeHtml(content.greeting)}</p>`,
    ...content.blocks.map(htmlBlock),
    `<p style="margin:0;">${escapeHtml(content.closing)}<br>${escapeHtml(content.signature)}</p>`,
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
  return { subject: content.subject, text: `${text}\n`, html: `${html}\n` };
}
