import type { Children } from '@kitajs/html';
import '@kitajs/html/htmx';
import type { ApiError } from '../api-client';
import { CSRF_FIELD } from '../http';

/** The session's synchronizer token; every form of a signed-in page carries it. */
export function Csrf(props: { token: string }): JSX.Element {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** The API's message for this field, beside it; the input points at it with `aria-describedby`. */
export function FieldError(props: { name: string; id?: string; error?: ApiError | null }): JSX.Element {
  if (!props.error) return '';
  return (
    <small id={`${props.id ?? props.name}-error`} class="field-error" safe>
      {props.error.message}
    </small>
  );
}

/** Which field an API error names, in the form's own names (`address.city` → `address.city`). */
export function errorFor(error: ApiError | null | undefined, ...names: string[]): ApiError | null {
  if (!error?.param) return null;
  return names.includes(error.param) ? error : null;
}

/** An error that names none of the form's fields is shown above the form. */
export function FormError(props: { error?: ApiError | null; fields: string[] }): JSX.Element {
  const error = props.error;
  if (!error || (error.param && props.fields.includes(error.param))) return '';
  return (
    <p class="field-error" role="alert" safe>
      {error.message}
    </p>
  );
}

export interface InputProps {
  name: string;
  /** When a page has several fields of one name (one form per item): the element's own id. */
  id?: string;
  label: string;
  value?: string | number | null;
  type?: 'text' | 'email' | 'number' | 'date' | 'datetime-local' | 'password' | 'search' | 'url';
  error?: ApiError | null;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  min?: number;
  max?: number;
  maxlength?: number;
  /** The phone keyboard to offer, e.g. `decimal` for a percentage typed as text. */
  inputmode?: 'decimal' | 'numeric' | 'email';
}

export function Input(props: InputProps): JSX.Element {
  const invalid = props.error ? 'true' : undefined;
  const id = props.id ?? props.name;
  const describedBy = props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined;
  return (
    <label>
      <span safe>{props.label}</span>
      <input
        type={props.type ?? 'text'}
        name={props.name}
        id={id}
        value={props.value === undefined || props.value === null ? undefined : String(props.value)}
        required={props.required}
        autocomplete={props.autocomplete}
        min={props.min === undefined ? undefined : String(props.min)}
        max={props.max === undefined ? undefined : String(props.max)}
        maxlength={props.maxlength === undefined ? undefined : String(props.maxlength)}
        inputmode={props.inputmode}
        aria-invalid={invalid}
        aria-describedby={describedBy}
      />
      {props.error ? (
        <FieldError name={props.name} id={id} error={props.error} />
      ) : props.hint ? (
        <small id={`${id}-hint`} safe>
          {props.hint}
        </small>
      ) : (
        ''
      )}
    </label>
  );
}

export function Select(props: {
  name: string;
  /** When a page has several fields of one name: the element's own id. */
  id?: string;
  label: string;
  options: { value: string; label: string }[];
  value?: string | null;
  error?: ApiError | null;
  required?: boolean;
}): JSX.Element {
  return (
    <label>
      <span safe>{props.label}</span>
      <select
        name={props.name}
        id={props.id ?? props.name}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${props.id ?? props.name}-error` : undefined}
      >
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === props.value} safe>
            {option.label}
          </option>
        ))}
      </select>
      <FieldError name={props.name} id={props.id} error={props.error} />
    </label>
  );
}

/** A form that posts one action; with htmx available it still posts as a plain form (progressive enhancement). */
export function ActionForm(props: {
  action: string;
  csrf: string;
  children?: Children;
  label?: string;
}): JSX.Element {
  return (
    <form method="post" action={props.action} aria-label={props.label}>
      <Csrf token={props.csrf} />
      {props.children}
    </form>
  );
}

/** "Next page" through the API's cursor; no list ever loads unbounded rows. */
export function Pager(props: {
  next: string | null;
  href: (cursor: string) => string;
  label: string;
}): JSX.Element {
  if (!props.next) return '';
  return (
    <nav aria-label={props.label} class="pager">
      <a href={props.href(props.next)} role="button" class="secondary" safe>
        {props.label}
      </a>
    </nav>
  );
}

export function StatusTag(props: { status: string; label: string }): JSX.Element {
  return (
    <mark class={`status status-${props.status.replace(/[^a-z_]/g, '')}`} safe>
      {props.label}
    </mark>
  );
}

/** Tables scroll sideways on a phone instead of overflowing the page. */
export function Scroll(props: { children?: Children; label: string }): JSX.Element {
  return (
    <div class="table-scroll" role="region" aria-label={props.label} tabindex="0">
      {props.children}
    </div>
  );
}
