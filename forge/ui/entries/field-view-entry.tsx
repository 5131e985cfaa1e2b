// The connected field's view experience: the UI Kit resource named in manifest.yml.
import React from 'react';
import { ForgeReconciler } from './forge-reconciler.js';
import { FieldView } from '../field-view.js';

ForgeReconciler.render(
  <React.StrictMode>
    <FieldView />
  </React.StrictMode>,
);
