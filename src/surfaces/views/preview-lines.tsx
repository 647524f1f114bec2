import type { Format } from '../i18n';
import type { ChangePreview } from '../subscription-actions';
import { Scroll } from './components';

/** The column and total labels of a preview's table, in the surface's language. */
export interface PreviewLabels {
  title: string;
  description: string;
  period: string;
  amount: string;
  total: string;
  periodRange: (start: string, end: string) => string;
}

/** The lines of a change exactly as the API's preview gives them, with their service periods and the net total. */
export function PreviewLines(props: {
  preview: ChangePreview;
  labels: PreviewLabels;
  f: Format;
  /** A sentence above the table (the console says when the change is invoiced at once). */
  note?: string | null;
}): JSX.Element {
  const { preview, labels, f } = props;
  const periodOf = (line: ChangePreview['lines'][number]): string =>
    line.periodStart && line.periodEnd
      ? labels.periodRange(f.date(line.periodStart), f.date(line.periodEnd))
      : '';
  return (
    <Scroll label={labels.title}>
      {props.note ? <p safe>{props.note}</p> : ''}
      <table>
        <thead>
          <tr>
            <th scope="col" safe>
              {labels.description}
            </th>
            <th scope="col" safe>
              {labels.period}
            </th>
            <th scope="col" class="amount" safe>
              {labels.amount}
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.lines.map((line) => (
            <tr class="preview-line">
              <td safe>{line.description}</td>
              <td safe>{periodOf(line)}</td>
              <td class="amount" safe>
                {f.money(line.amount, preview.currency)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colspan="2" safe>
              {labels.total}
            </th>
            <td class="amount" safe>
              {f.money(preview.total, preview.currency)}
            </td>
          </tr>
        </tfoot>
      </table>
    </Scroll>
  );
}
