// A Jira site's custom fields as far as the app sees them: `GET /rest/api/3/field` lists them with
// `schema.custom` = their type id, `POST /rest/api/3/field` creates one (Jira numbers custom fields;
// a fresh site here starts at customfield_10001). Used by the Jira stub in the tests and by the demo.
import type { JiraField } from '../../../forge/platform/forge-platform.js';

export class JiraSiteFields {
  private next = 10001;
  readonly fields: JiraField[] = [];

  list(): JiraField[] {
    return structuredClone(this.fields);
  }

  /** As Jira answers POST /rest/api/3/field: 201 with the field, 400 with `errorMessages` for a bad body. */
  create(body: { name?: unknown; type?: unknown; description?: unknown }): { status: number; body: unknown } {
    if (typeof body.name !== 'string' || body.name.trim() === '' || typeof body.type !== 'string' || body.type === '') {
      return { status: 400, body: { errorMessages: [], errors: { name: 'A name and a type are required' } } };
    }
    const field: JiraField = { id: `customfield_${this.next++}`, name: body.name, schema: { type: 'any', custom: body.type } };
    this.fields.push(field);
    return { status: 201, body: field };
  }

  /** A field of some other type (e.g. Jira's own text field), as a site also has. */
  addOther(name: string, custom = 'com.atlassian.jira.plugin.system.customfieldtypes:textfield'): JiraField {
    const field: JiraField = { id: `customfield_${this.next++}`, name, schema: { type: 'string', custom } };
    this.fields.push(field);
    return field;
  }
}
