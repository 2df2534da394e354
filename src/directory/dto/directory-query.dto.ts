import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';

const bool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class AccountsQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() connectionId?: string;
  @ApiPropertyOptional({ enum: ['user', 'admin'] }) @IsOptional() @IsIn(['user', 'admin']) kind?:
    'user' | 'admin';
  @ApiPropertyOptional({ description: 'matches email, username or name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
  @ApiPropertyOptional({ description: 'only current members of this group' })
  @IsOptional()
  @IsUUID()
  groupId?: string;
  @ApiPropertyOptional({ description: 'include accounts JumpCloud no longer lists' })
  @IsOptional()
  @Transform(bool)
  @IsBoolean()
  includeRemoved?: boolean;
}

export class GroupsQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() connectionId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(bool) @IsBoolean() includeRemoved?: boolean;
}

export class ApplicationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() connectionId?: string;
}
