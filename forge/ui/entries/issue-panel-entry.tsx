// Connected items on the issue (issue panel and portal request view): the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler';
import { IssuePanel } from '../issue-panel';

ForgeReconciler.render(
  <React.StrictMode>
    <IssuePanel />
  </React.StrictMode>,
);
