// The user shapes of the API (Open WebUI's pydantic response models).
import type { UserRow } from "./repository";

/** UserResponse of auths: {id, email, name, role, profile_image_url}. */
export function toUserBrief(user: UserRow) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    profile_image_url: user.profile_image_url,
  };
}

/** UserModel: the whole row as the admin sees it. */
export function toUserModel(user: UserRow) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    username: user.username ?? null,
    role: user.role,
    profile_image_url: user.profile_image_url,
    bio: user.bio ?? null,
    gender: user.gender ?? null,
    date_of_birth: user.date_of_birth ?? null,
    info: user.info ?? null,
    settings: user.settings ?? null,
    api_key: user.api_key ?? null,
    oauth_sub: user.oauth_sub ?? null,
    last_active_at: user.last_active_at,
    updated_at: user.updated_at,
    created_at: user.created_at,
  };
}
