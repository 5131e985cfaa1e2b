// The open-connect admin page (Manage apps → Configure): the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler';
import { AdminPage } from '../admin/admin-page';

ForgeReconciler.render(
  <React.StrictMode>
    <AdminPage />
  </React.StrictMode>,
);
