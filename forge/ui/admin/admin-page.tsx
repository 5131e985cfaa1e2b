// The open-connect admin page (`jira:adminPage`, useAsConfig): datasources, connected fields,
// connected items and mappings, datasource health, and support. Every call goes through the admin resolver, which
// checks that the user is a Jira administrator first.
import React from 'react';
import { Heading, Stack, Tab, TabList, TabPanel, Tabs } from '@forge/react';
import { DatasourcesPanel } from './datasources-panel';
import { FieldsPanel } from './fields-panel';
import { ItemsPanel } from './items-panel';
import { SupportPanel } from './support-panel';
import { HealthPanel } from './health-panel';

export function AdminPage() {
  return (
    <Stack space="space.200">
      <Heading as="h2">open-connect</Heading>
      <Tabs id="open-connect-admin-tabs">
        <TabList>
          <Tab>Datasources</Tab>
          <Tab>Fields</Tab>
          <Tab>Connected items</Tab>
          <Tab>Health</Tab>
          <Tab>Support</Tab>
        </TabList>
        <TabPanel>
          <DatasourcesPanel />
        </TabPanel>
        <TabPanel>
          <FieldsPanel />
        </TabPanel>
        <TabPanel>
          <ItemsPanel />
        </TabPanel>
        <TabPanel>
          <HealthPanel />
        </TabPanel>
        <TabPanel>
          <SupportPanel />
        </TabPanel>
      </Tabs>
    </Stack>
  );
}
