// What the admin page's pickers offer, read from the site's Jira as the app: projects (searchable,
// paged), the issue types of a project, and the request types of a Jira Service Management project.
// Endpoints: GET /rest/api/3/project/search, GET /rest/api/3/issuetype/project?projectId=,
// GET /rest/servicedeskapi/servicedesk (to find the project's service desk) and
// GET /rest/servicedeskapi/servicedesk/{id}/requesttype (scopes read:jira-work, read:servicedesk-request).
import type { ForgePlatform } from '../platform/forge-platform';
import { ResolverRefusal } from '../resolvers/resolver-envelope';
import { jiraPath, jiraQuery } from './jira-path';

export interface PickedProject {
  id: string;
  key: string;
  name: string;
  /** `software`, `service_desk`, `business`: only service desks have request types. */
  type: string;
}
export interface Picked {
  id: string;
  name: string;
}

const PROJECTS_PER_PAGE = 50;
/** Pages of service desks and request types followed at most (100 each). */
const MAX_PAGES = 20;

type Paged<T> = { values?: T[]; isLast?: boolean; isLastPage?: boolean; startAt?: number; start?: number; size?: number };

export function jiraPickers(platform: Pick<ForgePlatform, 'readJira'>) {
  async function read<T>(path: string, what: string): Promise<T | null> {
    const answer = await platform.readJira(path);
    if (answer.status === 404) return null;
    if (answer.status < 200 || answer.status >= 300) throw new ResolverRefusal(502, 'jira_unavailable', `Jira did not list the ${what} (HTTP ${answer.status})`);
    return answer.body as T;
  }

  return {
    async projects(options: { query?: string; startAt?: number; ids?: string[] }): Promise<{ projects: PickedProject[]; nextStartAt: number | null }> {
      const startAt = options.startAt ?? 0;
      const page = await read<Paged<{ id: string; key: string; name: string; projectTypeKey?: string }>>(
        `/rest/api/3/project/search${jiraQuery({ query: options.query?.slice(0, 100), startAt, maxResults: PROJECTS_PER_PAGE, orderBy: 'name', id: options.ids?.slice(0, PROJECTS_PER_PAGE) })}`,
        'projects',
      );
      const values = page?.values ?? [];
      return {
        projects: values.map((p) => ({ id: String(p.id), key: p.key, name: p.name, type: p.projectTypeKey ?? 'software' })),
        nextStartAt: page && !page.isLast && values.length > 0 ? startAt + values.length : null,
      };
    },

    async issueTypes(projectId: string): Promise<Picked[]> {
      const types = await read<Array<{ id: string; name: string }>>(`/rest/api/3/issuetype/project${jiraQuery({ projectId })}`, 'issue types');
      return (types ?? []).map((t) => ({ id: String(t.id), name: t.name }));
    },

    /** Empty for a project that is not a service desk. */
    async requestTypes(projectId: string): Promise<Picked[]> {
      let desk: { id: string } | undefined;
      for (let page = 0, start = 0; page < MAX_PAGES && !desk; page++) {
        const desks = await read<Paged<{ id: string; projectId: string }>>(`/rest/servicedeskapi/servicedesk${jiraQuery({ start, limit: 100 })}`, 'service desks');
        desk = desks?.values?.find((d) => String(d.projectId) === projectId);
        if (!desks || desks.isLastPage !== false || !desks.values?.length) break;
        start += desks.values.length;
      }
      if (!desk) return [];
      const found: Picked[] = [];
      for (let page = 0, start = 0; page < MAX_PAGES; page++) {
        const types = await read<Paged<{ id: string; name: string }>>(jiraPath`/rest/servicedeskapi/servicedesk/${desk.id}/requesttype` + jiraQuery({ start, limit: 100 }), 'request types');
        found.push(...(types?.values ?? []).map((t) => ({ id: String(t.id), name: t.name })));
        if (!types || types.isLastPage !== false || !types.values?.length) break;
        start += types.values.length;
      }
      return found;
    },
  };
}
