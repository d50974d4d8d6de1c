import type { ScopeCatalogEntry } from "./types.js";

/**
 * Google scopes of APIs that are not in the public discovery directory, curated from Google's own
 * documentation: the Photos Library API (https://developers.google.com/photos/overview/authorization) and
 * the Photos Picker API (https://developers.google.com/photos/picker/guides/get-started-picker).
 * The first three are retired (31 March 2025) and kept so that old grants can be recognised and flagged.
 */
export const googleSupplement: readonly ScopeCatalogEntry[] = [
  {
    scope: "https://www.googleapis.com/auth/photoslibrary",
    description: "Retired 2025-03-31: see, upload, and organize items in your Google Photos library",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photoslibrary.readonly",
    description: "Retired 2025-03-31: view your Google Photos library",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photoslibrary.sharing",
    description: "Retired 2025-03-31: manage and add to shared albums on your behalf",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photoslibrary.appendonly",
    description: "Add to your Google Photos library",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata",
    description: "Manage photos added by this app",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata",
    description:
      "Edit the info in your photos, videos, and albums created within this app, including titles, descriptions, and covers",
    apis: ["photoslibrary:v1"],
  },
  {
    scope: "https://www.googleapis.com/auth/photospicker.mediaitems.readonly",
    description: "View the photos and videos you select in Google Photos",
    apis: ["photospicker:v1"],
  },
];
