import { NotFoundState } from '../../not-found-state';

// An unknown conference name: 404 (page.tsx calls notFound()).
export default function ConferenceNotFound() {
  return <NotFoundState what="Conference" testId="conference-state" />;
}
