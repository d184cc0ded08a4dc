#!/usr/bin/env node
// The weavectl entry: loads the esbuild bundle (npm ci runs the build through "prepare").
import '../dist/weavectl.js';
