import { NotFoundState } from '../../../not-found-state';

// The report of an unknown conference name: 404 (page.tsx calls notFound()).
export default function ConferenceReportNotFound() {
  return <NotFoundState what="Conference" testId="conference-report-state" idAt={2} />;
}
