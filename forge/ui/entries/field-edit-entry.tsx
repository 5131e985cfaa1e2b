// The connected field's edit experience: the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler';
import { FieldEdit } from '../field-edit';

ForgeReconciler.render(
  <React.StrictMode>
    <FieldEdit />
  </React.StrictMode>,
);
