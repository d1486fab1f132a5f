import { NotFoundState } from '../../not-found-state';

// An unknown user id: 404 (page.tsx calls notFound()).
export default function UserNotFound() {
  return <NotFoundState what="User" testId="user-state" />;
}
