/**
 * What Studio says of a course's catalog entry (openedx-events CourseCatalogData): carried by the bus's
 * catalog_info.changed signal, read by the sync's freshness check and written by the Postgres catalog.
 */

/** The schedule part of openedx-events' CourseCatalogData, datetimes still as the ISO strings sent. */
export interface CatalogSchedule {
  start: string;
  pacing: string;
  end: string | null;
  enrollmentStart: string | null;
  enrollmentEnd: string | null;
}

/** openedx-events CourseCatalogData, carried by catalog_info.changed. */
export interface CatalogInfo {
  courseKey: string;
  name: string;
  schedule: CatalogSchedule;
  hidden: boolean;
  invitationOnly: boolean;
}
