// The open-connect admin page (Manage apps → Configure): the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler.js';
import { AdminPage } from '../admin/admin-page.js';

ForgeReconciler.render(
  <React.StrictMode>
    <AdminPage />
  </React.StrictMode>,
);
